"""``scrapy serve-mirror DIR``: serve a mirror folder on 127.0.0.1 (see crawler/mirror_server.py)."""

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from .. import mirror_server


class Command(ScrapyCommand):
    requires_project = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self):
        return "[--port N] DIR"

    def short_desc(self):
        return "Serve a mirror folder (host/path layout) on 127.0.0.1 for MIRROR_URL"

    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument("--port", type=int, default=8000)

    def run(self, args, opts):
        if len(args) != 1:
            raise UsageError("give the mirror folder")
        self.exitcode = mirror_server.main([args[0], "--port", str(opts.port)])
