"""The config file: schema, loading with secrets, messages, the comment-keeping editor, default paths."""
