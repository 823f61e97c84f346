"""The ``draft`` command: a template drafted from a trial-registry record.

Part of the command line (:mod:`scheduler.cli`), loaded when ``draft`` is asked for.
"""

from __future__ import annotations

from pathlib import Path

import click

from scheduler.core.errors import InputError


@click.command()
@click.argument("record", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Write the draft to FILE (a new file; with --force, replace it). "
                   "Default: print it.")
@click.option("--arm", default=None, metavar="ARM",
              help="The arm to draft: its number (1, 2, ...) or words of its label. "
                   "Default: the record's first arm.")
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
def draft(record: Path, output: Path | None, arm: str | None, force: bool) -> None:
    """Draft a template from a trial-registry record, inventing nothing.

    RECORD is a ClinicalTrials.gov record: the study's API v2 JSON, or the text of its
    page (with its "Study Groups" and "Interventions" sections). The draft is YAML: each
    value says, in a comment beside it, where it came from: 'stated' (the record's words),
    'inferred' (and the rule, such as Q3W -> 21-day cycles) or 'not stated'. A value the
    record does not give is 'not stated', and `scheduler validate` refuses the draft until a
    person fills it in.

    \b
    Example:
        scheduler draft NCT06478355.txt -o nct06478355-draft.yaml
        scheduler validate nct06478355-draft.yaml
    """
    from scheduler.core.files import MAX_TEMPLATE_BYTES, read_file_bytes, write_files
    from scheduler.draft.drafter import draft as make_draft
    from scheduler.draft.reader import read_record
    from scheduler.draft.writer import count_open, to_yaml

    raw = read_file_bytes(record, "record file", MAX_TEMPLATE_BYTES)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{record}: not UTF-8 text (bad byte at offset {error.start})") from None
    result = make_draft(read_record(text), arm)
    yaml_text = to_yaml(result)
    if output is None:
        click.echo(yaml_text, nl=False)
    else:
        write_files(output.parent, {output.name: yaml_text.encode("utf-8")}, overwrite=force)
        left = count_open(result)
        click.echo(f"{output}: draft of {result.template['source']} written; {left} value"
                   f"{'' if left == 1 else 's'} not stated in the record to fill in", err=True)
