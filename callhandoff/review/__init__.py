"""The review stage: a reviewer's view of a queued call, and their actions on it.

Plain functions over the store and the routing code, used by the reviewer app
(`callhandoff.ui`), the `callhandoff review` commands and the tests alike:
`item` builds what the item page shows, `service` claims, previews, approves
and rejects, `export` turns reviewed calls into gold eval data, `agreement`
measures how often reviewers correct each field by confidence.
"""
