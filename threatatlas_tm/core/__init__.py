"""The core: loading, validating and evaluating threat models. Never imports click or the server."""
