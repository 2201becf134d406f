"""The query language parser, alone: no app, no database."""

import pytest

from app.search.query import (
    And,
    Filter,
    Not,
    Or,
    Phrase,
    QuerySyntaxError,
    Term,
    add_filter,
    check_values,
    parse,
)


def test_words_are_anded():
    assert parse("database failover").text == And((Term("database"), Term("failover")))


def test_phrase_or_and_not():
    q = parse('"connection pool" OR exhaustion -staging')
    assert q.text == And((Or((Phrase("connection pool"), Term("exhaustion"))),
                          Not(Term("staging"))))


def test_groups():
    q = parse("(dns OR resolver) timeout")
    assert q.text == And((Or((Term("dns"), Term("resolver"))), Term("timeout")))


def test_hyphen_inside_a_word_is_not_negation():
    assert parse("us-east-1 outage").text == And((Term("us-east-1"), Term("outage")))


def test_field_filters():
    q = parse('service:checkout service:"payment api" severity:sev1 -type:near-miss '
              "after:2025-01 before:2025-06-15 year:2024 factor:Detection tag:dns")
    assert q.text is None
    assert q.values("service") == ["checkout", "payment api"]
    assert q.values("severity") == ["1"]
    assert q.values("type", negated=True) == ["near-miss"]
    assert q.values("after") == ["2025-01-01"]
    assert q.values("before") == ["2025-06-15"]
    assert q.values("factor") == ["detection"]


def test_configured_severity_labels():
    assert parse("severity:P2", ["P1", "P2", "P3", "P4"]).values("severity") == ["2"]


@pytest.mark.parametrize("text, position, words", [
    ('"unclosed phrase', 0, "quote is not closed"),
    ("(dns timeout", 0, "parenthesis is not closed"),
    ("dns)", 3, "closing parenthesis"),
    ("OR dns", 0, "OR needs a term on its left"),
    ("dns OR", 4, "OR needs a term on its right"),
    ("colour:red", 0, 'unknown field "colour:"'),
    ("severity:9", 0, "severity: must be 1-4"),
    ("after:2025-13", 0, "not a date"),
    ("year:25", 0, "four digits"),
    ("service:", 0, "needs a value"),
    ("dns OR -cache", 0, "negated term cannot be one side of OR"),
    ("(service:api)", 1, "cannot go inside parentheses"),
    ("(-dns)", 0, "at least one term that is not negated"),
    ("dns OR service:api", 7, "combined with OR"),
])
def test_syntax_errors_say_where_and_why(text, position, words):
    with pytest.raises(QuerySyntaxError) as err:
        parse(text)
    assert err.value.position == position
    assert words in err.value.message


def test_only_negations_at_top_level_are_allowed():
    assert parse("-staging").text == Not(Term("staging"))


def test_punctuation_only_terms_are_dropped():
    assert parse('!!! "..." dns').text == Term("dns")


def test_fts_and_tsquery_operators_in_input_are_just_words():
    q = parse("NEAR(a b) AND ^x* & !y | z*")
    assert isinstance(q.text, And)
    assert Term("AND") in q.text.items and Term("^x*") in q.text.items


def test_check_values_rejects_unknown_types():
    with pytest.raises(QuerySyntaxError, match="type: must be one of"):
        check_values(parse("dns type:meltdown"), {"type": ["outage", "degradation"]})


def test_words_and_add_filter():
    assert parse('dns "cache miss" -foo service:x').words() == ["dns", "cache", "miss"]
    assert add_filter("dns", "service", "payment api") == 'dns service:"payment api"'
    assert Filter("service", "x") == parse("service:x").filters[0].__class__("service", "x")


def test_overlong_query_is_refused():
    with pytest.raises(QuerySyntaxError, match="longer than 1000"):
        parse("a" * 1001)
