"""Hypothesis strategies for expression trees and texts (docs/entra.md §4.1)."""

from __future__ import annotations

from hypothesis import strategies as st

from scimitar.mapping.ast import Attribute, Call, Comparison, Identifier, Node, Number, String
from scimitar.mapping.functions import ENUMS, LIBRARY, FunctionSpec

# Functions whose arguments have extra parse-time rules (modes, interval names) are left to the
# unit tests; every other function is generated with a valid argument count.
_SKIPPED = {"Replace", "DateAdd", "DateDiff"}
FUNCTIONS = sorted(name for name in LIBRARY if name not in _SKIPPED)
ATTRIBUTE_NAMES = [
    "givenName",
    "surname",
    "mail",
    "department",
    "proxyAddresses",
    "n",
    "IsSoftDeleted",
]

attribute_names = st.sampled_from(ATTRIBUTE_NAMES) | st.from_regex(
    r"[A-Za-z_][A-Za-z0-9_.]{0,12}", fullmatch=True
)
leaves: st.SearchStrategy[Node] = st.one_of(
    st.builds(Attribute, attribute_names),
    st.builds(String, st.text(max_size=12)),
    st.builds(Number, st.integers(min_value=-(10**6), max_value=10**6)),
    st.builds(lambda v: Number(v, is_hex=True), st.integers(min_value=0, max_value=0xFFFF)),
    st.builds(Identifier, st.sampled_from(sorted(ENUMS))),
)


def _arguments(
    spec: FunctionSpec, children: st.SearchStrategy[Node]
) -> st.SearchStrategy[tuple[Node | None, ...]]:
    fixed, group = spec.fixed, spec.group
    required = max((i + 1 for i, p in enumerate(fixed) if p.required), default=0)
    slot_count = (
        st.integers(min_value=required, max_value=len(fixed)) if not group else st.just(len(fixed))
    )
    repeats = (
        st.integers(min_value=max(spec.min_repeats, 0 if fixed else 1), max_value=3)
        if group
        else st.just(0)
    )

    @st.composite
    def build(draw: st.DrawFn) -> tuple[Node | None, ...]:
        count = draw(slot_count) + draw(repeats) * len(group)
        args: list[Node | None] = []
        for index in range(count):
            param = spec.param_at(index)
            is_optional = not param.required and not param.repeats
            args.append(None if is_optional and draw(st.booleans()) else draw(children))
        return tuple(args)

    return build()


def _extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    calls = st.sampled_from(FUNCTIONS).flatmap(
        lambda name: _arguments(LIBRARY[name], children).map(lambda args: Call(name, args))
    )
    operands = children.filter(lambda node: not isinstance(node, Comparison))
    comparisons = st.builds(
        Comparison, st.sampled_from(["=", "<>", ">", ">=", "<", "<="]), operands, operands
    )
    return calls | comparisons


trees: st.SearchStrategy[Node] = st.recursive(leaves, _extend, max_leaves=12)

TOKENS = [
    "[a]",
    "[IsSoftDeleted]",
    '"x"',
    '"\\""',
    '"\\\\"',
    "1",
    "-2",
    "&HF",
    "vbTextCompare",
    "(",
    ")",
    ",",
    " ",
    "\n",
    "=",
    "<>",
    ">=",
    "<",
    "Join",
    "IIF",
    "Left",
    "Replace",
    "Switch",
    "Now",
    "[",
    "]",
    '"',
    "\\",
    "&H",
    "&",
    "-",
    "foo",
]
token_texts = st.lists(st.sampled_from(TOKENS), max_size=25).map("".join)
