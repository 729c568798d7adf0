"""Finding 8: customer data in logs through tracebacks and query strings.

The personal-data filter masked log messages but not the traceback of a logged exception
(whose text carries the values being handled), and the dev server's request lines, which
have a handler of their own, logged search query strings with phone numbers in clear.
"""

import io
import logging

from branchservice.pii import MaskPersonalDataFilter


def written(logger_name, emit):
    """What the project's console handler would write for `emit(logger)`."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    handler.addFilter(MaskPersonalDataFilter())
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_a_traceback_is_masked_too():
    def emit(logger):
        try:
            raise ValueError("customer 13812345678, ID 11010119900307803X")
        except ValueError:
            logger.exception("registering failed")

    text = written("tests.security.logs", emit)
    assert "Traceback" in text
    assert "13812345678" not in text and "11010119900307803X" not in text
    assert "138****5678" in text


def test_query_strings_in_request_lines_are_masked():
    def emit(logger):
        logger.info('"%s" %s %s', "GET /admin/complaints/complaint/?q=张伟&o=1 HTTP/1.1", 200, 9)

    text = written("django.server", emit)
    assert "张伟" not in text
    assert "q=***" in text


def test_the_dev_servers_request_log_goes_through_the_filter():
    handlers = [
        handler
        for handler in logging.getLogger("django.server").handlers
        if not type(handler).__module__.startswith("_pytest")  # pytest's capture
    ]
    assert handlers
    assert all(
        any(isinstance(f, MaskPersonalDataFilter) for f in handler.filters) for handler in handlers
    )
