//! The request log: one line per HTTP request through actix-web's `Logger`
//! (target `bora::api::access_log`): client address, request line, status, bytes,
//! time in milliseconds. `/health` and `/metrics`, which monitors poll, are
//! left out. Bearer tokens travel in headers and are never logged.

use actix_web::middleware::Logger;

/// The request log middleware.
pub fn access_log() -> Logger {
    Logger::new(r#"%a "%r" %s %b %Dms"#)
        .log_target(module_path!())
        .exclude("/health")
        .exclude("/metrics")
}
