from crawler.ledger import ListingLedger


def test_listing_complete_only_when_every_request_answered_without_failure():
    ledger = ListingLedger()
    ledger.opened("L")
    ledger.spawned("L")
    ledger.spawned("L")
    ledger.settled("L")
    assert not ledger.complete("L")
    ledger.done("L", ok=True)
    assert not ledger.complete("L")
    ledger.done("L", ok=True)
    assert ledger.complete("L")


def test_a_failed_article_keeps_its_listing_incomplete():
    ledger = ListingLedger()
    ledger.opened("L")
    ledger.spawned("L")
    ledger.settled("L")
    ledger.done("L", ok=False)
    assert not ledger.complete("L")


def test_children_report_to_their_parent():
    ledger = ListingLedger()
    ledger.opened("index")
    ledger.spawned("index")          # child sitemap requested
    ledger.settled("index")
    ledger.opened("child", parent="index")
    ledger.spawned("child")          # an article
    ledger.settled("child")
    assert not ledger.complete("index")
    ledger.done("child", ok=True)
    assert ledger.complete("child") and ledger.complete("index")


def test_unread_or_unknown_listings_are_not_complete():
    ledger = ListingLedger()
    assert not ledger.complete("never-seen")
    ledger.done("never-seen", ok=True)  # ignored
    ledger.opened("L")
    ledger.spawned("L")
    assert not ledger.complete("L")  # not settled, outcome pending (e.g. time budget reached)
