//! The descriptions Mistral 23.0.0 lists for its system actions: each is the
//! docstring of the action class (`GET /v2/actions/std.echo`), which the
//! API shows in place of the registry's own one-line descriptions.

/// Mistral's description of system action `name`, when it has one.
pub fn mistral_description(name: &str) -> Option<&'static str> {
    Some(match name {
        "std.async_noop" => "Asynchronous no-operation action.",
        "std.echo" => {
            "Echo action.\n\nThis action just returns a configured value as a result without doing\nanything else. The value of such action implementation is that it\ncan be used in development (for testing), demonstration and designing\nof workflows themselves where echo action can play the role of temporary\nstub."
        }
        "std.email" => {
            "Action.\n\nAction is a means in Mistral to perform some useful work associated with\na workflow during its execution. Every workflow task is configured with\nan action and when the task runs it eventually delegates to the action.\nWhen it happens task parameters get evaluated (calculating expressions,\nif any) and are treated as action parameters. So in a regular general\npurpose languages terminology action is a method declaration and task is\na method call.\n\nBase action class initializer doesn't have arguments. However, concrete\naction classes may have any number of parameters defining action behavior.\nThese parameters must correspond to parameters declared in action\nspecification (e.g. using DSL or others)."
        }
        "std.fail" => {
            "'Always fail' action.\n\nIf you pass the `error_data` parameter, this action will be failed and\nreturn this data as error data. Otherwise, the action just throws an\ninstance of ActionException.\n\nThis behavior is useful in a number of cases, especially if we need to\ntest a scenario where some of workflow tasks fail.\n\n:param error_data: Action will be failed with this data"
        }
        "std.http" => {
            "HTTP action.\n\n:param url: URL for the new HTTP request.\n:param method: (optional, 'GET' by default) method for the new HTTP\n    request.\n:param params: (optional) Dictionary or bytes to be sent in the\n    query string for the HTTP request.\n:param body: (optional) Dictionary, bytes, or file-like object to send\n    in the body of the HTTP request.\n:param json: (optional) A JSON serializable Python object to send\n    in the body of the HTTP request.\n:param headers: (optional) Dictionary of HTTP Headers to send with\n    the HTTP request.\n:param cookies: (optional) Dict or CookieJar object to send with\n    the HTTP request.\n:param auth: (optional) Auth tuple to enable Basic/Digest/Custom\n    HTTP Auth.\n:param timeout: (optional) Float describing the timeout of the request\n    in seconds.\n:param allow_redirects: (optional) Boolean. Set to True if POST/PUT/DELETE\n    redirect following is allowed.\n:param proxies: (optional) Dictionary mapping protocol to the URL of\n    the proxy.\n:param verify: (optional) if ``True``, the SSL cert will be verified.\n    A CA_BUNDLE path can also be provided."
        }
        "std.javascript" => "Evaluates given JavaScript.\n\n    ",
        "std.js" => "Evaluates given JavaScript.\n\n    ",
        "std.mistral_http" => {
            "HTTP action.\n\n:param url: URL for the new HTTP request.\n:param method: (optional, 'GET' by default) method for the new HTTP\n    request.\n:param params: (optional) Dictionary or bytes to be sent in the\n    query string for the HTTP request.\n:param body: (optional) Dictionary, bytes, or file-like object to send\n    in the body of the HTTP request.\n:param json: (optional) A JSON serializable Python object to send\n    in the body of the HTTP request.\n:param headers: (optional) Dictionary of HTTP Headers to send with\n    the HTTP request.\n:param cookies: (optional) Dict or CookieJar object to send with\n    the HTTP request.\n:param auth: (optional) Auth tuple to enable Basic/Digest/Custom\n    HTTP Auth.\n:param timeout: (optional) Float describing the timeout of the request\n    in seconds.\n:param allow_redirects: (optional) Boolean. Set to True if POST/PUT/DELETE\n    redirect following is allowed.\n:param proxies: (optional) Dictionary mapping protocol to the URL of\n    the proxy.\n:param verify: (optional) if ``True``, the SSL cert will be verified.\n    A CA_BUNDLE path can also be provided."
        }
        "std.noop" => {
            "No-operation action.\n\nThis action does nothing. It can be mostly useful for testing and\ndebugging purposes."
        }
        "std.sleep" => {
            "Sleep action.\n\nThis action sleeps for given amount of seconds. It can be mostly useful\nfor testing and debugging purposes."
        }
        "std.ssh" => {
            "Runs Secure Shell (SSH) command on provided single or multiple hosts.\n\nIt is allowed to provide either a single host or a list of hosts in\naction parameter 'host'. In case of a single host the action result\nwill be a single value, otherwise a list of results provided in the\nsame order as provided hosts."
        }
        "std.ssh_proxied" => {
            "Runs Secure Shell (SSH) command on provided single or multiple hosts.\n\nIt is allowed to provide either a single host or a list of hosts in\naction parameter 'host'. In case of a single host the action result\nwill be a single value, otherwise a list of results provided in the\nsame order as provided hosts."
        }
        "std.test_dict" => "Generates test dict.",
        _ => return None,
    })
}
