"""Review tests run against the example calls as `process` stores them."""

from tests.review.fixtures import store_template, store_url

__all__ = ["store_template", "store_url"]
