"""Coverage messages are one short line: what an operator reads in the terminal table
and in `coverage.json`, whatever text the failing call carried."""

from __future__ import annotations

import pytest

from cloudcensus.scanner.coverage import MAX_MESSAGE_CHARS, shorten_message

NGINX_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (NGINX_PAGE, "502 Bad Gateway"),
        (NGINX_PAGE.replace("\r\n", ""), "502 Bad Gateway"),  # a page on one line
        ("DescribeVpcs: 500: " + NGINX_PAGE, "DescribeVpcs: 500:"),
        (
            "\n  Access   denied\tfor s3:ListBucket\ntraceback line",
            "Access denied for s3:ListBucket",
        ),
        ("Value '<none>' is not valid", "Value '<none>' is not valid"),  # not a document
        ("", ""),
    ],
)
def test_first_meaningful_line_only(text: str, expected: str) -> None:
    assert shorten_message(text) == expected


def test_long_line_is_cut_with_a_marker() -> None:
    message = shorten_message("word " * 200)
    assert len(message) == MAX_MESSAGE_CHARS
    assert message.endswith("...")
    assert shorten_message("x" * 50, limit=20) == "x" * 17 + "..."
