"""Project commands (COMMANDS_MODULE): crawl (with exit status), export, serve-mirror."""
