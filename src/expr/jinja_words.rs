//! Python's and Jinja2's words for errors minijinja words its own way:
//! an unknown filter or test (`No filter named 'f' found.`), calling what
//! is no function (`'int' object is not callable`), a division by zero.

/// `message` (minijinja's) in Jinja2's or Python's words where it has a
/// counterpart; unchanged otherwise.
pub(crate) fn reworded(mut message: String) -> String {
    // Jinja2's words for a filter or test it does not know
    for what in ["filter", "test"] {
        if let Some(name) = message
            .strip_prefix(&format!("{what} "))
            .and_then(|r| r.strip_suffix(" is unknown"))
            .filter(|n| !n.contains(' '))
        {
            message = format!("No {what} named '{name}' found.");
        }
    }
    // Python's words for calling what is no function (a float is rare
    // enough to read as the int it mostly is)
    if let Some(kind) = message
        .strip_prefix("value of type ")
        .and_then(|r| r.strip_suffix(" is not callable"))
    {
        let py = match kind {
            "number" => Some("int"),
            "string" => Some("str"),
            "bool" => Some("bool"),
            "none" => Some("NoneType"),
            "sequence" => Some("list"),
            "map" => Some("dict"),
            _ => None,
        };
        if let Some(py) = py {
            message = format!("'{py}' object is not callable");
        }
    }
    message
}

/// Python's words for a division by zero minijinja reports as `unable to
/// calculate L op 0`.
pub(crate) fn zero_division_text(message: &str) -> Option<&'static str> {
    let rest = message.strip_prefix("unable to calculate ")?;
    let (left, op, right) = [" // ", " / ", " % "]
        .iter()
        .find_map(|op| rest.rsplit_once(op).map(|(l, r)| (l, op.trim(), r)))?;
    let float = |s: &str| s.contains(['.', 'e', 'E']) || s.contains("inf") || s.contains("nan");
    let float = float(left) || float(right);
    Some(match (op, float) {
        ("/", false) => "division by zero",
        ("/", true) => "float division by zero",
        ("//", false) => "integer division or modulo by zero",
        ("//", true) => "float floor division by zero",
        (_, false) => "integer modulo by zero",
        (_, true) => "float modulo",
    })
}
