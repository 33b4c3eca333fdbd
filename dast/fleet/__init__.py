"""`dast fleet`: many targets on warm shared engines (file model, shards, engine groups, runner, reports)."""
