//! Tests of the Jinja source rewrite in `jinja_ast.rs`: rewritten operators
//! compute what minijinja computes where Python and minijinja agree.

use super::prepare;

/// Random arithmetic over small non-negative integers, where minijinja
/// and Python agree: the rewrite must not change what it computes.
fn expr(seed: &mut u64, depth: u32) -> String {
    let mut next = |n: u64| {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed % n
    };
    if depth == 0 || next(4) == 0 {
        return (next(9) + 1).to_string();
    }
    let a = expr(seed, depth - 1);
    let b = expr(seed, depth - 1);
    let mut next = |n: u64| {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed % n
    };
    match next(13) {
        9 => format!("-({a})"),
        10 => format!("({a} in [{b}, 3]) ~ ({a} not in [{b}]) ~ ({a} is in([{b}]))"),
        11 => format!("({a} <= {b} < 7)"),
        12 => format!("-{a} * +{b} + [{a}, {b}][({a}) % 2]"),
        0 => format!("({a} + {b})"),
        1 => format!("{a} * {b}"),
        2 => format!("({a}) % ({b})"),
        3 => format!("{a} // {b}"),
        4 => format!("({a} < {b})"),
        5 => format!("({a}) ** 2"),
        6 => format!("{a} ~ {b}"),
        7 => format!("[{a}, ({b},)]|length * {a}"),
        _ => format!("({a} if {b} > 3 else {b} * 2)"),
    }
}

#[test]
fn rewrites_keep_the_structure_of_expressions() {
    let env = minijinja::Environment::new();
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut checked = 0;
    for _ in 0..1500 {
        let e = expr(&mut seed, 5);
        let src = format!("{{{{ {e} }}}}");
        let Ok(plain) = env.render_str(&src, ()) else {
            continue;
        };
        let prepared = prepare(&src).expect("prepares").into_owned();
        // evaluate the rewrite with stand-ins that apply minijinja's own
        // operators: only the structure of the rewrite is under test
        fn op(a: minijinja::Value, o: &str, b: minijinja::Value) -> minijinja::Value {
            let env = minijinja::Environment::new();
            env.compile_expression(&format!("a {o} b"))
                .and_then(|e| e.eval(minijinja::context! { a, b }))
                .unwrap_or_default()
        }
        let mut env2 = minijinja::Environment::new();
        env2.add_function("__py_mod", |a, b| op(a, "%", b));
        env2.add_function("__py_pow", |a, b| op(a, "**", b));
        env2.add_function("__py_mul", |a, b| op(a, "*", b));
        env2.add_function("__py_add", |a, b| op(a, "+", b));
        env2.add_function("__py_concat", |a, b| op(a, "~", b));
        env2.add_function("__py_arith", |a, o: String, b| op(a, &o, b));
        env2.add_function(
            "__py_cmp",
            |args: minijinja::value::Rest<minijinja::Value>| {
                let mut ok = true;
                for w in args.0.windows(3).step_by(2) {
                    let o = w[1].as_str().unwrap_or_default().to_string();
                    ok &= op(w[0].clone(), &o, w[2].clone()).is_true();
                }
                ok
            },
        );
        env2.add_function("__py_neg", |a: minijinja::Value| {
            op(minijinja::Value::from(0), "-", a)
        });
        env2.add_function("__py_pos", |a: minijinja::Value| a);
        env2.add_function(
            "__py_getitem",
            |a: minijinja::Value, b: minijinja::Value| a.get_item(&b).unwrap_or_default(),
        );
        for name in ["__py_list", "__py_dict", "__py_own", "__py_iter"] {
            env2.add_function(name, |a: minijinja::Value| a);
        }
        let got = env2.render_str(&prepared, ()).expect(&prepared);
        assert_eq!(got, plain, "{src} => {prepared}");
        checked += 1;
    }
    assert!(checked > 500, "{checked}");
}
