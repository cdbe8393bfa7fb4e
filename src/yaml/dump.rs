//! YAML text as PyYAML's `yaml.dump(data, sort_keys=False)` writes it
//! (block style, indent 2, width 80, ASCII only): what Mistral stores as
//! the definition of each workflow of a multi-workflow upload
//! (`mistral/services/workflows.py:_cut_wf_definition_from_all`). The
//! loaded tree is handed to the emitter ([`super::emit`]) as the Python
//! data PyYAML's loader made of it. Called by `lang::render`.
//!
//! Invariant: pure; the text reads back (PyYAML's loader) as the same tree.

use super::emit::{self, Keys};
use super::{Kind, Node};

/// The dump of a mapping whose entries are `entries`, in that order.
pub(crate) fn dump_mapping(entries: &[(&str, &Node)]) -> String {
    let map = entries
        .iter()
        .map(|(k, v)| (emit::Node::Str((*k).to_string()), data(v)))
        .collect();
    emit::dump(&emit::Node::Map(map), Keys::AsGiven)
}

/// A loaded node as the Python value PyYAML's loader makes of it.
fn data(node: &Node) -> emit::Node {
    match &node.kind {
        Kind::Null => emit::Node::Null,
        Kind::Bool(b) => emit::Node::Bool(*b),
        Kind::Num(n) if n.is_f64() => emit::Node::Float(n.as_f64().unwrap_or_default()),
        Kind::Num(n) => emit::Node::Int(n.to_string()),
        Kind::Str(s) => emit::Node::Str(s.clone()),
        Kind::Date { text, .. } => emit::Node::Timestamp(date_text(text)),
        Kind::Seq(items) => emit::Node::Seq(items.iter().map(data).collect()),
        Kind::Map(entries) => emit::Node::Map(
            entries
                .iter()
                .map(|(k, e)| (emit::Node::Str(k.clone()), data(&e.value)))
                .collect(),
        ),
    }
}

/// `date.isoformat()` / `datetime.isoformat(' ')` of a plain timestamp:
/// the date alone as written; a date and time keep their text with a
/// blank between them.
fn date_text(text: &str) -> String {
    match text.find(['T', 't']) {
        Some(10) => format!("{} {}", &text[..10], &text[11..]),
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::load;
    use super::dump_mapping;

    /// `text`'s workflow `name` dumped as Mistral dumps it; `want` is
    /// PyYAML's own output for the same text.
    fn check(text: &str, name: &str, want: &str) {
        let root = load(text).expect("loads").expect("a document");
        let m = root.as_map().expect("a mapping");
        let entries = [("version", &m["version"].value), (name, &m[name].value)];
        assert_eq!(dump_mapping(&entries), want);
    }

    #[test]
    fn texts_other_resolvers_claim_are_quoted() {
        let text = "version: '2.0'\nw:\n  vars:\n    a: '.inf'\n    b: '-.Inf'\n    c: '.nan'\n    d: '12:30'\n    e: '<<'\n    f: 'NO'\n    g: 'y'\n";
        let want = "version: '2.0'\nw:\n  vars:\n    a: '.inf'\n    b: '-.Inf'\n    c: '.nan'\n    d: '12:30'\n    e: '<<'\n    f: 'NO'\n    g: y\n";
        check(text, "w", want);
    }

    #[test]
    fn scalar_styles_and_block_collections() {
        check(
            r##"version: '2.0'
wf:
  description: first
  tags: [x, y]
  input:
    - p
    - q: 2
    - r: null
  tasks:
    t:
      action: std.echo output="hello <% $.p %>"
      publish:
        a: <% task().result %>
        b: "{{ task().result }}"
        c: 'yes'
        d: ''
        e: 1.5
        f: '1.5'
        g: true
        h: ~
        i: [1, [], {}]
        j: "it's"
        k: '#hash'
        l: 'a: b'
        m: "- x"
        n: 2020-01-02
        o: '2020-01-02'
        p: "tab\there"
        q: "caf\u00e9"
        r: "="
        s: "<<"
        t: "x # y"
        u: 'x#y'
      on-success:
        - next: <% $.a > 1 %>
        - fail
"##,
            "wf",
            r##"version: '2.0'
wf:
  description: first
  tags:
  - x
  - y
  input:
  - p
  - q: 2
  - r: null
  tasks:
    t:
      action: std.echo output="hello <% $.p %>"
      publish:
        a: <% task().result %>
        b: '{{ task().result }}'
        c: 'yes'
        d: ''
        e: 1.5
        f: '1.5'
        g: true
        h: null
        i:
        - 1
        - []
        - {}
        j: it's
        k: '#hash'
        l: 'a: b'
        m: '- x'
        n: 2020-01-02
        o: '2020-01-02'
        p: "tab\there"
        q: "caf\xE9"
        r: '='
        s: '<<'
        t: 'x # y'
        u: x#y
      on-success:
      - next: <% $.a > 1 %>
      - fail
"##,
        );
    }

    #[test]
    fn long_lines_fold_and_multiline_strings_quote() {
        check(
            r##"version: 2.0
wf:
  tasks:
    t:
      action: std.echo output="a very long line that goes on and on and on and on and on past eighty columns for sure"
      input:
        long_single: 'a very long line with a colon: inside it that goes on and on and on past eighty columns'
        long_double: "a very long line with a tab\t inside it that goes on and on and on past eighty columns ok"
        multi: |
          line one
          line two
        indented: |
          if x:
            y
        trailing: "ends with space "
        lead: " starts with space"
        script: |
          #!/bin/sh
          echo "hi"   
          exit 0
"##,
            "wf",
            r##"version: 2.0
wf:
  tasks:
    t:
      action: std.echo output="a very long line that goes on and on and on and on
        and on past eighty columns for sure"
      input:
        long_single: 'a very long line with a colon: inside it that goes on and on
          and on past eighty columns'
        long_double: "a very long line with a tab\t inside it that goes on and on\
          \ and on past eighty columns ok"
        multi: 'line one

          line two

          '
        indented: "if x:\n  y\n"
        trailing: 'ends with space '
        lead: ' starts with space'
        script: "#!/bin/sh\necho \"hi\"   \nexit 0\n"
"##,
        );
    }

    #[test]
    fn nested_sequences_and_quotes_in_quotes() {
        check(
            r##"version: '2.0'
w1:
  type: reverse
  tasks:
    a:
      action: std.noop
    b:
      requires: [a]
      action: std.echo output=<% [1, 2] %>
      with-items:
        - x in <% $.xs %>
        - y in [1, 2]
      retry: count=3 delay=1
      on-error:
        - fail(msg='it''s broken')
      wait-before: 0
      keep-result: false
      vars_nested:
        - - a
          - b
        - {k: v, z: [1]}
        - []
"##,
            "w1",
            r##"version: '2.0'
w1:
  type: reverse
  tasks:
    a:
      action: std.noop
    b:
      requires:
      - a
      action: std.echo output=<% [1, 2] %>
      with-items:
      - x in <% $.xs %>
      - y in [1, 2]
      retry: count=3 delay=1
      on-error:
      - fail(msg='it''s broken')
      wait-before: 0
      keep-result: false
      vars_nested:
      - - a
        - b
      - k: v
        z:
        - 1
      - []
"##,
        );
    }
}
