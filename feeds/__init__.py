"""feeds: a news feed publisher for wire copy and Markdown articles."""
