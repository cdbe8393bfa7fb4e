//! Unit tests of YAQL library rules found by the conformance corpus
//! (`tests/expr_corpus/`), each checked against yaql 3.2's source.

use serde_json::{Value, json};

use crate::expr::{Context, ErrorKind, Evaluator};

fn eval(input: &str) -> Result<Value, ErrorKind> {
    let data = json!({"l": [3, 1, 2], "s": "abc", "t": true});
    Evaluator::default()
        .evaluate_str(input, &Context::new(&data))
        .map_err(|e| e.kind)
}

fn check(input: &str, expected: Value) {
    assert_eq!(eval(input), Ok(expected), "{input}");
}

fn check_err(input: &str, kind: ErrorKind) {
    assert_eq!(eval(input).err(), Some(kind), "{input}");
}

#[test]
fn call_runs_a_function_by_name() {
    check("<% call(len, [$.l], {}) %>", json!(3));
    check("<% call('max', [1, 2], {}) %>", json!(2));
    check("<% def(f, $1 * 2) -> call(f, [4], {}) %>", json!(8));
    check_err("<% call(len, [1], {}) %>", ErrorKind::NoMatchingFunction);
    check_err("<% call(nope, [], {}) %>", ErrorKind::UnknownFunction);
    check_err("<% call(len, 1, {}) %>", ErrorKind::NoMatchingFunction);
}

#[test]
fn endless_sequences_are_taken_lazily() {
    check("<% sequence().take(3) %>", json!([0, 1, 2]));
    check("<% sequence(5, -2).limit(3) %>", json!([5, 3, 1]));
    check("<% $.l.cycle().take(5) %>", json!([3, 1, 2, 3, 1]));
    check("<% [].cycle().take(5) %>", json!([]));
    check("<% 7.repeat().take(2) %>", json!([7, 7]));
    check_err("<% sequence().len() %>", ErrorKind::Limit);
}

#[test]
fn is_empty_keywords_are_trim_and_chars() {
    check("<% 'abaab'.isEmpty(chars => 'ab') %>", json!(true));
    check("<% ' '.isEmpty(trim => false) %>", json!(false));
    check("<% null.isEmpty(chars => 'x') %>", json!(true));
    check_err(
        "<% 'a'.isEmpty(trimSpaces => false) %>",
        ErrorKind::NoMatchingFunction,
    );
    check_err("<% 'a'.isEmpty(1) %>", ErrorKind::NoMatchingFunction);
}

#[test]
fn string_concat_is_a_function_only() {
    check("<% concat('a', 'b') %>", json!("ab"));
    check_err("<% 'a'.concat('b') %>", ErrorKind::NoMatchingFunction);
}

#[test]
fn booleans_count_as_integers() {
    check("<% $.l[true] %>", json!(1));
    check("<% $.l * $.t %>", json!([3, 1, 2]));
    check("<% false * 'ab' %>", json!(""));
    check("<% $.l.take(true) %>", json!([3]));
}

#[test]
fn iterables_concatenate_and_sets_unite() {
    check("<% [1] + set(2) %>", json!([1, 2]));
    check("<% set(1) + [1] %>", json!([1, 1]));
    check("<% (set(1, 2) + set(2, 3)).len() %>", json!(3));
    check_err("<% set(set(1)) %>", ErrorKind::Type);
}

#[test]
fn random_follows_randint() {
    check("<% random(5, 5) %>", json!(5));
    check(
        "<% let(x => random(-2, 2)) -> $x >= -2 and $x <= 2 %>",
        json!(true),
    );
    check(
        "<% random(12345678901234567890123, 12345678901234567890123) = 12345678901234567890123 %>",
        json!(true),
    );
    check_err("<% random(3, 1) %>", ErrorKind::Value);
    check_err("<% random('a', 1) %>", ErrorKind::Value);
    check_err("<% random(1, 'a') %>", ErrorKind::Type);
    check_err("<% random([], 1) %>", ErrorKind::Type);
}

#[test]
fn group_by_takes_keyword_lambdas() {
    check(
        "<% [1, 2, 3].groupBy($ mod 2, aggregator => $.len()) %>",
        json!([[1, 2], [0, 1]]),
    );
    check(
        "<% [1, 2].groupBy(keySelector => 0, valueSelector => $ * 10) %>",
        json!([[0, [10, 20]]]),
    );
    check_err(
        "<% [1].groupBy($, bogus => 1) %>",
        ErrorKind::NoMatchingFunction,
    );
}

#[test]
fn collections_join_on_a_predicate() {
    check(
        "<% [1, 2].join([2, 3], $1 = $2, [$1, $2]) %>",
        json!([[2, 2]]),
    );
    check("<% [1, 2].join([10], true, $1 + $2) %>", json!([11, 12]));
}

#[test]
fn shifts_and_counts_follow_python() {
    check_err("<% shiftBitsRight(5, -1) %>", ErrorKind::Value);
    check_err("<% shiftBitsLeft(5, -1) %>", ErrorKind::Value);
    check_err(
        "<% 'a'.split('x', 12345678901234567890123) %>",
        ErrorKind::Overflow,
    );
    check_err(
        "<% 'a'.replace('a', 'b', 12345678901234567890123) %>",
        ErrorKind::Overflow,
    );
    check("<% 'aa'.replace(regex('a'), 'b', -1) %>", json!("aa"));
    check("<% regex('(a)').split('xay') %>", json!(["x", "a", "y"]));
    check("<% regex('a').split('xay', -1) %>", json!(["xay"]));
    check_err("<% 'ab'.replaceBy(regex('a'), 1) %>", ErrorKind::Type);
}

#[test]
fn frozen_data_hashes_until_it_comes_out() {
    check("<% len(set({a => 1}, {a => 1}, [1])) %>", json!(2));
    check("<% set(1, 2).remove(3, 2) %>", json!([1]));
    check("<% set(1, 2) - set(2) %>", json!([1]));
    check("<% set(range(3)).len() %>", json!(3));
    check_err("<% dict([[[1], 2]]) %>", ErrorKind::Type);
    check_err("<% {[1] => 2} %>", ErrorKind::Type);
    check("<% {[1] => 2}.len() %>", json!(1));
}

#[test]
fn small_library_rules() {
    check("<% escapeRegex('a,b.c') %>", json!("a,b\\.c"));
    check("<% characters(octdigits => true).len() %>", json!(8));
    check(
        "<% characters(digits => true, hexdigits => true).len() %>",
        json!(22),
    );
    check_err("<% characters(letters => true) %>", ErrorKind::Attribute);
    check("<% false.switchCase(a, b) %>", json!("a"));
    check("<% range(true) %>", json!([0]));
    check("<% range(5, 0, 12345678901234567890123) %>", json!([]));
    check("<% range(-1, 3, 12345678901234567890123) %>", json!([-1]));
    check_err("<% datetime(-1, 1, 1) %>", ErrorKind::Value);
    check_err("<% [1, 2, ] %>", ErrorKind::Syntax);
    check_err("<% len([1], ) %>", ErrorKind::Syntax);
}

#[test]
fn generate_many_and_default_if_empty() {
    check(
        "<% generateMany(1, [$ * 2, $ * 3].where($ < 10)) %>",
        json!([1, 2, 3, 4, 6, 6, 9, 8]),
    );
    check(
        "<% generateMany(1, [$ * 2, $ * 3].where($ < 10), decycle => true) %>",
        json!([1, 2, 3, 4, 6, 9, 8]),
    );
    check(
        "<% generateMany(a, {a => [b, c], b => [d], c => [], d => []}.get($), depthFirst => true) %>",
        json!(["a", "b", "d", "c"]),
    );
    check("<% generateMany(1, [], str($)) %>", json!(["1"]));
    check("<% [].defaultIfEmpty([1]) %>", json!([1]));
    check("<% $.l.defaultIfEmpty([1]) %>", json!([3, 1, 2]));
    check_err("<% [].defaultIfEmpty(1) %>", ErrorKind::NoMatchingFunction);
}

#[test]
fn merge_with_follows_merge_dicts() {
    check(
        "<% {a => [1]}.mergeWith({a => [1, 2]}) %>",
        json!({"a": [1, 2]}),
    );
    check(
        "<% {a => [1]}.mergeWith({a => [1]}, listMerger => $1 + $2) %>",
        json!({"a": [1, 1]}),
    );
    check(
        "<% {a => 1}.mergeWith({a => 2}, itemMerger => $1 + $2) %>",
        json!({"a": 3}),
    );
    check(
        "<% {a => {b => 1}}.mergeWith({a => {c => 2}}) %>",
        json!({"a": {"b": 1, "c": 2}}),
    );
    check(
        "<% {a => {b => 1}}.mergeWith({a => {c => 2}}, maxLevels => 1) %>",
        json!({"a": {"c": 2}}),
    );
    check_err("<% {a => 1}.mergeWith({a => [2]}) %>", ErrorKind::Type);
    check_err(
        "<% {a => [1]}.mergeWith({a => {b => 1}}) %>",
        ErrorKind::Type,
    );
    check("<% {a => {b => 1}}.mergeWith({a => 5}) %>", json!({"a": 5}));
}

#[test]
fn list_positions_follow_yaql() {
    check("<% [1, 2].insertMany(-1, [9]) %>", json!([9, 1, 2]));
    check("<% [1, 2].insert(-1, 9) %>", json!([1, 9, 2]));
    check("<% [1, 2, 3].replace(-5, 0, 10) %>", json!([0]));
    check(
        "<% [1, 2, 3].replaceMany(1, [7, 8], -1) %>",
        json!([1, 7, 8]),
    );
    check_err(
        "<% [1, 2].replace(0, 9, 'x') %>",
        ErrorKind::NoMatchingFunction,
    );
    check_err("<% [1, 2].delete(0, 'x') %>", ErrorKind::NoMatchingFunction);
    check("<% [1, 1, 2].splitAt(-1) %>", json!([[1, 1], [2]]));
    check(
        "<% [1, 2].splitAt(12345678901234567890123) %>",
        json!([[1, 2], []]),
    );
}

#[test]
fn dict_of_items_and_timespan_micros() {
    check("<% dict(['ab', 'cd']) %>", json!({"a": "b", "c": "d"}));
    check("<% dict([[1, 2, 3]]).get(1) %>", json!(2));
    check("<% dict([{x => 1, y => 2}]) %>", json!({"x": "y"}));
    check_err("<% dict(['a']) %>", ErrorKind::Empty);
    check_err("<% dict([1]) %>", ErrorKind::Type);
    check(
        "<% timespan(days => 2).microseconds %>",
        json!(172_800_000_000i64),
    );
}

#[test]
fn split_max_splits_keyword_and_round_bool() {
    check("<% 'a b c'.split(maxSplits => 1) %>", json!(["a", "b c"]));
    check("<% 'a b'.split(maxSplits => 0) %>", json!(["a b"]));
    check_err(
        "<% 'a'.split(maxSplits => {}) %>",
        ErrorKind::NoMatchingFunction,
    );
    check_err(
        "<% 'a'.split(maxSplits => 12345678901234567890123) %>",
        ErrorKind::Overflow,
    );
    check("<% round(-3, true) %>", json!(-3));
}

#[test]
fn select_case_stops_at_the_first_true_predicate() {
    check("<% selectCase(true, 1 / 0 > 1) %>", json!(0));
    check("<% selectCase(false, true, 1 mod 0 = 1) %>", json!(1));
    check_err(
        "<% selectCase(false, 1 / 0 > 1) %>",
        ErrorKind::ZeroDivision,
    );
}

#[test]
fn orderings_and_values_views_have_no_len() {
    check_err("<% $.l.orderBy($).len() %>", ErrorKind::NoMatchingFunction);
    check_err(
        "<% $.l.orderBy($).thenBy($).len() %>",
        ErrorKind::NoMatchingFunction,
    );
    check("<% $.l.orderBy($).count() %>", json!(3));
    check("<% $.l.orderBy($).select($).len() %>", json!(3));
    check_err(
        "<% {a => 1}.values().len() %>",
        ErrorKind::NoMatchingFunction,
    );
    check("<% {a => 1}.values().count() %>", json!(1));
    check("<% {a => 1}.keys().len() %>", json!(1));
}

#[test]
fn str_of_a_dict_view_names_the_view() {
    check(
        "<% str({a => 1}.values()) %>",
        json!("ValuesView({'a': 1})"),
    );
    check(
        "<% str({a => [1]}.keys()) %>",
        json!("KeysView({'a': (1,)})"),
    );
    check("<% str({a => 1}.items()) %>", json!("ItemsView({'a': 1})"));
}

#[test]
fn regex_replace_counts_empty_matches_as_python_does() {
    check("<% regex('.*').replace('abc', '_') %>", json!("__"));
    check("<% regex('x*').replace('abc', '-') %>", json!("-a-b-c-"));
    check("<% 'banana'.replace(regex('a*'), '') %>", json!("bnn"));
    check(
        "<% regex('n*').replace('banana', '-', 3) %>",
        json!("-b-a-ana"),
    );
}

#[test]
fn index_of_from_past_the_end_finds_nothing() {
    check("<% 'str'.indexOf('', 5) %>", json!(-1));
    check("<% 'str'.indexOf('', 3) %>", json!(3));
    check("<% 'str'.lastIndexOf('', 5) %>", json!(-1));
    check("<% 'abc'.indexOf('', 4, 2) %>", json!(-1));
}

#[test]
fn sets_of_numbers_iterate_in_python_hash_order() {
    check("<% str($.l.toSet()) %>", json!("frozenset({1, 2, 3})"));
    check("<% [16, 8, 3].toSet().toList() %>", json!([16, 8, 3]));
    check(
        "<% [36, 49, 7, 35, -22].toSet().toList() %>",
        json!([35, 36, 7, -22, 49]),
    );
    check(
        "<% str(set(1, 2) + set(9, 8)) %>",
        json!("frozenset({8, 1, 2, 9})"),
    );
    check(
        "<% [36, 49, 7, 35, -22].toSet().union([-1].toSet()).toList() %>",
        json!([49, 35, 36, 7, -22, -1]),
    );
    check(
        "<% range(4).toSet().union([2.5, 1].toSet()).len() %>",
        json!(5),
    );
    // floats hash as the rational they are
    check("<% str([2.5, 1].toSet()) %>", json!("frozenset({1, 2.5})"));
    check(
        "<% [2.5, 1, 0.5, -1.5, 3].toSet().distinct() %>",
        json!([0.5, 1, 2.5, 3, -1.5]),
    );
    // removals leave dummies that later insertions take
    check(
        "<% [8, 16, 24, 32].toSet().symmetricDifference([16, 24, 40, 48, 56].toSet()).add(64, 72).toList() %>",
        json!([32, 48, 64, 40, 8, 56, 72]),
    );
    check(
        "<% range(1, 21).toSet().difference([3, 40].toSet()).union([33, 65, 97].toSet()).toList() %>",
        json!([
            1, 2, 65, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 33, 97
        ]),
    );
}

#[test]
fn json_dump_cuts_only_frozen_dicts() {
    check(
        "<% json_dump({a => {b => {c => {d => 1}}}}) %>",
        json!("{\n    \"a\": {\n        \"b\": {\n            \"c\": null\n        }\n    }\n}"),
    );
    check(
        "<% json_dump([1].toDict($, {b => {c => {d => 1}}})) %>",
        json!(
            "{\n    \"1\": {\n        \"b\": {\n            \"c\": {\n                \"d\": 1\n            }\n        }\n    }\n}"
        ),
    );
}

#[test]
fn dict_keys_may_be_computed() {
    check("<% dict(a => 1, $.s => 2) %>", json!({"a": 1, "abc": 2}));
    check("<% dict($.l => 3).get($.l) %>", json!(3));
}

#[test]
fn substring_slices_as_python_does() {
    check("<% 'str'.substring(-4, -2) %>", json!(""));
    check("<% 'str'.substring(-5) %>", json!(""));
    check("<% 'Hello World'.substring(-14, 5) %>", json!(""));
}

#[test]
fn lazy_sequences_neither_repeat_nor_equal_lists() {
    check_err("<% $.l.select($) * 2 %>", ErrorKind::NoMatchingFunction);
    check_err("<% $.l.orderBy($) * 2 %>", ErrorKind::NoMatchingFunction);
    check("<% $.l * 2 %>", json!([3, 1, 2, 3, 1, 2]));
    check("<% $.l.select($) = [3, 1, 2] %>", json!(false));
    check("<% $.l.select($).toList() = [3, 1, 2] %>", json!(true));
}

#[test]
fn operators_refuse_constants_before_evaluating_operands() {
    check_err("<% $.missing - 'a' %>", ErrorKind::NoMatchingFunction);
    check_err("<% $.missing - ed %>", ErrorKind::NoMatchingFunction);
    check_err("<% null mod $.missing %>", ErrorKind::NoMatchingFunction);
    check_err("<% $.missing + true %>", ErrorKind::NoMatchingFunction);
    check_err("<% $.missing in 1 %>", ErrorKind::NoMatchingFunction);
    check_err("<% $.missing =~ null %>", ErrorKind::NoMatchingFunction);
    check_err("<% $.missing.('x') %>", ErrorKind::NoMatchingFunction);
    check_err("<% $.missing.[1] %>", ErrorKind::NoMatchingFunction);
    check_err("<% $.missing - 1 %>", ErrorKind::Key);
    check_err("<% $.missing * 'a' %>", ErrorKind::Key);
    check("<% $.s + ed %>", json!("abced"));
}
