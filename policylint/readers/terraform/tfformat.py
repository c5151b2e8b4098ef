"""Terraform's ``format``/``formatlist`` verbs, exactly as Terraform evaluates them.

Terraform implements them in go-cty (``function/stdlib/format.go``): a verb is ``%``, flags
(``0 # - + space``), a width, a precision (``.`` and digits; ``.`` alone is 0), an argument index
``[n]`` and a letter. ``%v`` formats by type (a string as is, a number as Go's shortest ``%g``,
anything else as JSON), ``%#v`` is always JSON, ``%t`` a bool, ``%b %d %o %x %X`` a whole number,
``%e %E %f %g %G`` a number, ``%s %q`` a string (precision truncates the input; ``%q`` quotes it
as JSON). Numbers are Go ``big.Float`` values of 512 bits (how Terraform parses a literal), so
rounding is done on that binary value, half to even, as Go does. An impossible conversion, an
unsupported verb, too few or too many arguments are errors (``FormatError``), as in Terraform.
"""
from __future__ import annotations

import json
import re
import unicodedata
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext
from fractions import Fraction
from typing import Any

MAX_FIELD = 100_000  # width or precision beyond this would build a huge string: not analysed
_PREC_BITS = 512  # cty parses number literals with big.ParseFloat(s, 10, 512, ToNearestEven)
_VERB = re.compile(r"%([-+# 0]*)([1-9]\d*)?(\.\d*)?(?:\[([1-9]\d*)\])?([A-Za-z])?")


class FormatError(Exception):
    """Terraform would fail the call with this message."""


def tf_format(spec: str, args: list[Any]) -> str:
    out: list[str] = []
    next_arg = 1
    highest = 0
    i = 0
    while i < len(spec):
        c = spec[i]
        if c != "%":
            j = spec.find("%", i)
            j = len(spec) if j < 0 else j
            out.append(spec[i:j])
            i = j
            continue
        if spec.startswith("%%", i):
            out.append("%")
            i += 2
            continue
        m = _VERB.match(spec, i)
        assert m is not None  # the pattern matches "%" alone
        if m.group(5) is None:
            if m.end() >= len(spec):
                raise FormatError(f"invalid format string starting at offset {m.end()}")
            raise FormatError(f"unrecognized format character {spec[m.end()]!r} at offset {m.end()}")
        flags, width, prec, index, mode = m.groups()
        num = int(index) if index else next_arg
        highest = max(highest, num)
        if num > len(args):
            raise FormatError(f"not enough arguments for {m.group(0)!r} at {i}: need index {num} "
                              f"but have {len(args)} total")
        w = int(width) if width else -1
        p = int(prec[1:] or "0") if prec is not None else -1
        if max(w, p) > MAX_FIELD:
            raise FormatError("width or precision too large to analyse")
        out.append(_verb(_Verb(m.group(0), flags, w, p, mode), args[num - 1]))
        next_arg = num + 1
        i = m.end()
    if highest < len(args):
        if highest == 0:
            raise FormatError("too many arguments; no verbs in format string")
        raise FormatError(f"too many arguments; only {highest} used by format string")
    return "".join(out)


def tf_formatlist(spec: str, args: list[Any]) -> list[str]:
    """One ``format`` per element: list arguments advance together (same length), other
    arguments repeat; no list argument gives one result; an empty list gives none."""
    lengths = {len(a) for a in args if isinstance(a, (list, tuple))}
    if len(lengths) > 1:
        raise FormatError("formatlist: all list arguments must have the same length")
    n = lengths.pop() if lengths else 1
    return [tf_format(spec, [a[k] if isinstance(a, (list, tuple)) else a for a in args])
            for k in range(n)]


class _Verb:
    __slots__ = ("flags", "mode", "prec", "raw", "width")

    def __init__(self, raw: str, flags: str, width: int, prec: int, mode: str) -> None:
        self.raw, self.flags, self.width, self.prec, self.mode = raw, flags, width, prec, mode


def _verb(v: _Verb, arg: Any) -> str:
    if v.mode != "v" and arg is None:
        raise FormatError(f"unsupported value for {v.raw!r}: null value cannot be formatted")
    if v.mode == "v":
        if "#" not in v.flags and isinstance(arg, str):
            return _pad(v, arg)
        if "#" not in v.flags and _is_number(arg):
            return _pad(v, _shortest_g(_literal(arg), "e"))
        return _pad(v, json_text(arg))
    if v.mode == "t":
        return "true" if _to_bool(v, arg) else "false"
    if v.mode in "bdoxX":
        return _integer(v, _to_number(v, arg))
    if v.mode in "eEfgG":
        return _float(v, _to_number(v, arg))
    if v.mode in "sq":
        s = _to_string(v, arg)
        if v.prec > 0:
            s = "".join(_graphemes(s)[:v.prec])
        return _pad(v, s if v.mode == "s" else _json_string(s))
    raise FormatError(f"unsupported format verb {v.mode!r} in {v.raw!r}")


# --- conversions (cty's convert) --------------------------------------------------------------

def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _to_bool(v: _Verb, arg: Any) -> bool:
    if isinstance(arg, bool):
        return arg
    if isinstance(arg, str) and arg in ("true", "false"):
        return arg == "true"
    raise FormatError(f"unsupported value for {v.raw!r}: a bool is required")


def _to_number(v: _Verb, arg: Any) -> Decimal:
    if _is_number(arg):
        return _literal(arg)
    if isinstance(arg, str):
        try:
            d = Decimal(arg)
        except ArithmeticError:
            d = None
        if d is not None and d.is_finite() and re.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", arg):
            return d
    raise FormatError(f"unsupported value for {v.raw!r}: a number is required")


def _to_string(v: _Verb, arg: Any) -> str:
    if isinstance(arg, str):
        return arg
    if isinstance(arg, bool):
        return "true" if arg else "false"
    if _is_number(arg):
        return number_text(arg)
    raise FormatError(f"unsupported value for {v.raw!r}: a string is required")


def _literal(n: Any) -> Decimal:
    """The decimal a number was written as (a float's shortest repr)."""
    if isinstance(n, Decimal):
        return n
    return Decimal(n) if isinstance(n, int) else Decimal(repr(float(n)))


def number_text(n: Any) -> str:
    """A number as cty writes it in a string or JSON: decimal, no exponent (Text('f', -1))."""
    d = _literal(n)
    if d == d.to_integral_value():
        return str(int(d))
    return format(d.normalize(), "f")


def json_text(v: Any) -> str:
    """cty's JSON: compact, object keys sorted, Go's string escaping, numbers without exponent."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if _is_number(v):
        return number_text(v)
    if isinstance(v, str):
        return _json_string(v)
    if isinstance(v, dict):
        return "{" + ",".join(f"{_json_string(str(k))}:{json_text(v[k])}"
                              for k in sorted(v, key=str)) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(json_text(x) for x in v) + "]"
    raise FormatError(f"cannot format a {type(v).__name__}")


def _json_string(s: str) -> str:
    """Go's encoding/json: HTML-safe (<, >, & escaped) and U+2028/U+2029 escaped."""
    out = json.dumps(s, ensure_ascii=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029"), ("\x7f", "\x7f")):
        out = out.replace(ch, esc)
    return out


def _graphemes(s: str) -> list[str]:
    """User-perceived characters, close to Unicode's extended grapheme clusters: a base
    character with the combining marks, variation selectors and ZWJ sequences that follow it."""
    out: list[str] = []
    join = False
    for ch in s:
        extend = out and (join or unicodedata.combining(ch) or ch in "\u200d\ufe0e\ufe0f"
                          or unicodedata.category(ch) == "Me"
                          or (ch == "\n" and out[-1].endswith("\r")))
        if extend:
            out[-1] += ch
        else:
            out.append(ch)
        join = ch == "\u200d"
    return out


def _pad(v: _Verb, s: str) -> str:
    """go-cty's formatPadWidth: width in grapheme clusters, '0' pads with zeros, '-' on the right."""
    n = len(_graphemes(s))
    if v.width < 0 or n >= v.width:
        return s
    pads = ("0" if "0" in v.flags else " ") * (v.width - n)
    return s + pads if "-" in v.flags else pads + s


# --- numbers (Go's big.Int and big.Float formatting) --------------------------------------------

def _integer(v: _Verb, d: Decimal) -> str:
    if d != d.to_integral_value():
        raise FormatError(f"unsupported value for {v.raw!r}: an integer is required")
    n = int(d)
    digits = {"b": format(abs(n), "b"), "d": str(abs(n)), "o": format(abs(n), "o"),
              "x": format(abs(n), "x"), "X": format(abs(n), "X")}[v.mode]
    prefix = ""
    if "#" in v.flags:
        prefix = {"b": "0b", "o": "0", "x": "0x", "X": "0X"}.get(v.mode, "")
    sign = "-" if n < 0 else "+" if "+" in v.flags else " " if " " in v.flags else ""
    zeros = left = right = 0
    if v.prec >= 0:
        if len(digits) < v.prec:
            zeros = v.prec - len(digits)
        elif digits == "0" and v.prec == 0:
            return ""  # Go prints nothing for a zero value with zero precision
    length = len(sign) + len(prefix) + zeros + len(digits)
    if v.width > length:
        if "-" in v.flags:
            right = v.width - length
        elif "0" in v.flags and v.prec < 0:
            zeros = v.width - length
        else:
            left = v.width - length
    return " " * left + sign + prefix + "0" * zeros + digits + " " * right


def _binary(d: Decimal) -> Decimal:
    """The exact value of ``d`` rounded to a 512-bit binary mantissa, half to even."""
    f = Fraction(d)
    if f == 0:
        return Decimal(0)
    sign = -1 if f < 0 else 1
    f = abs(f)
    e = f.numerator.bit_length() - f.denominator.bit_length()
    while Fraction(2) ** e > f:
        e -= 1
    while Fraction(2) ** (e + 1) <= f:
        e += 1
    shift = _PREC_BITS - 1 - e  # mantissa in [2^511, 2^512)
    scaled = f * Fraction(2) ** shift
    m = round(scaled)  # Fraction rounds half to even
    with localcontext(Context(prec=2000)):
        value = Decimal(m) / (Decimal(2) ** shift) if shift >= 0 else Decimal(m) * Decimal(2) ** -shift
    return value if sign > 0 else -value


def _digits(d: Decimal) -> tuple[str, int]:
    """(significant digits without trailing zeros, position of the decimal point)."""
    t = abs(d).normalize().as_tuple()
    if not t.digits or all(x == 0 for x in t.digits):
        return "0", 1
    ds = "".join(map(str, t.digits)).rstrip("0") or "0"
    assert isinstance(t.exponent, int)
    return ds, len(t.digits) + t.exponent


def _round_sig(d: Decimal, n: int) -> Decimal:
    if d == 0:
        return d
    with localcontext(Context(prec=max(n, 1), rounding=ROUND_HALF_EVEN)):
        return +d


def _fmt_e(ds: str, dp: int, decimals: int, e: str) -> str:
    ds = ds.ljust(decimals + 1, "0")
    x = dp - 1 if ds.strip("0") else 0
    mant = ds[0] + ("." + ds[1:decimals + 1] if decimals > 0 else "")
    return f"{mant}{e}{'-' if x < 0 else '+'}{abs(x):02d}"


def _fmt_f(d: Decimal, decimals: int) -> str:
    with localcontext(Context(prec=2000, rounding=ROUND_HALF_EVEN)):
        q = abs(d).quantize(Decimal(1).scaleb(-decimals))
    return format(q, "f")


def _shortest_g(d: Decimal, e: str) -> str:
    """Go's %g with the shortest precision: %e when the exponent is < -4 or >= 6."""
    ds, dp = _digits(d)
    body = _g_body(ds, dp, 6, e)
    return ("-" if d < 0 else "") + body


def _g_body(ds: str, dp: int, eprec: int, e: str) -> str:
    x = dp - 1 if ds != "0" else 0
    if x < -4 or x >= eprec:
        return _fmt_e(ds, dp, len(ds) - 1, e)
    return _fmt_f(Decimal(f"0.{ds}").scaleb(dp), max(len(ds) - dp, 0))


def _float(v: _Verb, literal: Decimal) -> str:
    exact = _binary(literal)
    e = "E" if v.mode in "EG" else "e"
    if v.mode in "eE":
        prec = 6 if v.prec < 0 else v.prec
        ds, dp = _digits(_round_sig(exact, prec + 1))
        body = _fmt_e(ds, dp, prec, e)
    elif v.mode == "f":
        body = _fmt_f(exact, 6 if v.prec < 0 else v.prec)
    elif v.prec < 0:
        ds, dp = _digits(literal)  # the shortest decimal that reads back as the same value
        body = _g_body(ds, dp, 6, e)
    else:
        p = max(v.prec, 1)
        ds, dp = _digits(_round_sig(exact, p))
        eprec = len(ds) if p > len(ds) and len(ds) >= dp else p
        body = _g_body(ds, dp, eprec, e)
    neg = exact < 0  # Go keeps the sign of the value: -0.001 with %.2f is -0.00
    sign = "-" if neg else "+" if "+" in v.flags else " " if " " in v.flags else ""
    pad = max(v.width - len(sign) - len(body), 0)
    if "0" in v.flags:
        return sign + "0" * pad + body
    if "-" in v.flags:
        return sign + body + " " * pad
    return " " * pad + sign + body
