from newsbot.text import clean_body, drop_repeats, normalize_line


def test_normalize_line_decodes_entities_and_folds_space():
    assert normalize_line("  A&nbsp;b &amp;\u200b c\n d ") == "A b & c d"


def test_normalize_line_composes_unicode():
    assert normalize_line("Cafe\u0301") == "Café"


def test_clean_body_keeps_paragraph_breaks_and_drops_repeats():
    body = "Headline\n\nLead.\n\n  First   para.\n\n\nLead.\n\nSecond."
    assert clean_body(body, also_drop=("Headline",)) == "Lead.\n\nFirst para.\n\nSecond."


def test_drop_repeats_ignores_case_and_punctuation():
    assert drop_repeats(["Read this!", "read this", "Other"]) == ["Read this!", "Other"]
