//! A single resource's path with an empty id (`/v2/executions//`,
//! `/v2/workflows///`), answered as Mistral's router answers it: the empty
//! segments are dropped, so the request reaches the resource's method with
//! its argument missing. `GET` and `DELETE` (and `PUT` where the id is
//! required) are a 400 `Missing argument: "<name>"` naming the argument as
//! Mistral's controller does (`id`, `identifier` or `name`); a `PUT` whose id
//! may be left out (workflows, workbooks, actions, environments: the body
//! names what to update) and every `POST` are the collection's; a method
//! the resource does not serve is a 405. `mod.rs` registers these after
//! every served route; they are aliases, not operations of their own, so
//! [`super::routes`] does not list them.

use actix_web::HttpResponse;

use super::error::Error;
use super::{
    Res, Routes, action_executions, adhoc_actions, cron_triggers, environments, executions,
    res_exact, workbooks, workflows,
};

/// Mistral's refusal of a call that lacks the argument `name`.
fn missing(name: &'static str) -> Result<HttpResponse, Error> {
    Err(Error::bad(format!("Missing argument: \"{name}\"")))
}

/// `GET` and `DELETE` of `r` refused as missing `name`.
fn read_delete(r: Res, name: &'static str) -> Res {
    r.get(move || async move { missing(name) })
        .delete(move || async move { missing(name) })
}

/// Registers the empty-id aliases of every single resource.
pub(super) fn routes(r: &mut Routes) {
    r.alias(
        read_delete(res_exact("/v2/executions/{empty:/+}"), "id")
            .put(|| async { missing("id") })
            .post(executions::create),
    )
    .alias(
        res_exact("/v2/tasks/{empty:/+}")
            .get(|| async { missing("id") })
            .put(|| async { missing("id") }),
    )
    .alias(
        read_delete(res_exact("/v2/action_executions/{empty:/+}"), "id")
            .put(|| async { missing("id") })
            .post(action_executions::create),
    )
    .alias(
        read_delete(res_exact("/v2/workflows/{empty:/+}"), "identifier")
            .put(workflows::update)
            .post(workflows::create),
    )
    .alias(
        read_delete(res_exact("/v2/actions/{empty:/+}"), "identifier")
            .put(adhoc_actions::update)
            .post(adhoc_actions::create),
    )
    .alias(
        read_delete(res_exact("/v2/workbooks/{empty:/+}"), "name")
            .put(workbooks::update)
            .post(workbooks::create),
    )
    .alias(
        read_delete(res_exact("/v2/environments/{empty:/+}"), "name")
            .put(environments::update)
            .post(environments::create),
    )
    .alias(
        read_delete(res_exact("/v2/cron_triggers/{empty:/+}"), "identifier")
            .post(cron_triggers::create),
    )
    .alias(
        read_delete(res_exact("/v2/event_triggers/{empty:/+}"), "id")
            .put(|| async { missing("id") })
            .post(cron_triggers::event_triggers),
    );
}
