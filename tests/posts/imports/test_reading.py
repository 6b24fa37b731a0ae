"""Reading files as people bring them: our columns, Hootsuite's bulk file, Buffer's export,
Excel's Windows-1252 with semicolons, a UTF-8 byte-order mark and quoted multi-line text,
and the dates and times written in them."""

from datetime import UTC, datetime

import pytest

from posts.imports import formats, times
from tests.posts.imports.conftest import fixture_bytes


def test_our_export_columns_are_recognised_with_several_channels_and_tags():
    read = formats.read(fixture_bytes("postiz.csv"))
    assert read.format == "postiz"
    first, second, third = read.rows
    assert first.tags == ["launch", "sales"]
    assert first.zone == "Europe/Paris"
    assert second.text == "A thread-worthy note\nwith two lines"
    assert second.channels == ["Acme on Mastodon", "@acmex"]
    assert second.first_comment == "Details in the first comment"
    assert third.date == "2030-03-16T07:15:00+02:00"
    # Row numbers are the file's lines (the header is line 1).
    assert [r.number for r in read.rows] == [2, 3, 4]


def test_hootsuite_bulk_file_without_header_is_date_message_link():
    read = formats.read(fixture_bytes("hootsuite.csv"))
    assert read.format == "hootsuite"
    assert not read.has_channel_column
    assert read.rows[0].text == "Our new guide is out https://example.com/guide"
    assert read.rows[1].text == "Read the full story, with pictures https://example.com/story"
    assert read.rows[0].date == "15/03/2030 09:30"
    assert any("no header row" in str(note) for note in read.notes)


def test_hootsuite_file_with_a_header_is_recognised():
    data = b"Date,Message,Link\n03/15/2030 09:30,Hello,https://example.com\n"
    read = formats.read(data)
    assert read.format == "hootsuite"
    assert read.rows[0].text == "Hello https://example.com"


def test_buffer_export_maps_profile_scheduled_at_and_tags():
    read = formats.read(fixture_bytes("buffer.csv"))
    assert read.format == "buffer"
    assert read.rows[1].channels == ["acmex"]
    assert read.rows[1].date == "2030-04-03 11:30"
    assert read.rows[1].tags == ["imported", "buffer"]


def test_excel_windows_1252_with_semicolons_keeps_accents_and_the_euro_sign():
    read = formats.read(fixture_bytes("excel_windows1252_semicolons.csv"))
    assert read.encoding == "windows-1252"
    assert read.delimiter == ";"
    assert read.rows[0].text == "Café crème à 8 € seulement"
    assert read.rows[1].text == "Déjà vu, encore"
    assert any("Windows-1252" in str(n) for n in read.notes)
    assert any("semicolons" in str(n) for n in read.notes)


def test_utf8_byte_order_mark_is_not_part_of_the_first_header():
    read = formats.read(fixture_bytes("utf8_bom.csv"))
    assert read.format == "postiz"
    assert read.encoding == "utf-8-sig"
    assert read.rows[0].text == "Ünïcödé with a byte-order mark\r\nand a second line, with a comma"


def test_a_file_in_no_known_layout_says_which_columns_it_needs():
    with pytest.raises(formats.FileProblem, match="text, channels, date"):
        formats.read(b"foo,bar\n1,2\n")


def test_more_than_ten_thousand_rows_is_refused_as_a_whole():
    data = "text,channels,date\n" + "x,a,2030-01-01 10:00\n" * 10_001
    with pytest.raises(formats.FileProblem, match="at most 10,000"):
        formats.read(data.encode())


def test_export_formula_quote_is_dropped_on_import():
    read = formats.read(b"text,channels,date\n'=SUM(A1),a,2030-01-01 10:00\n")
    assert read.rows[0].text == "=SUM(A1)"


@pytest.mark.parametrize(
    ("date", "time", "zone", "expected"),
    [
        ("2030-03-14", "09:30", "Europe/Paris", datetime(2030, 3, 14, 8, 30, tzinfo=UTC)),
        ("2030-03-14 09:30:00", "", "", datetime(2030, 3, 14, 8, 30, tzinfo=UTC)),
        ("2030-03-14T09:30:00Z", "", "", datetime(2030, 3, 14, 9, 30, tzinfo=UTC)),
        ("2030-03-14T09:30+05:30", "", "", datetime(2030, 3, 14, 4, 0, tzinfo=UTC)),
        ("14/03/2030", "9:30 PM", "UTC", datetime(2030, 3, 14, 21, 30, tzinfo=UTC)),
        ("14.03.2030 21:30", "", "+02:00", datetime(2030, 3, 14, 19, 30, tzinfo=UTC)),
        ("2030/03/14", "12:05 am", "UTC", datetime(2030, 3, 14, 0, 5, tzinfo=UTC)),
    ],
)
def test_iso_and_common_local_dates_are_read_in_their_zone(date, time, zone, expected):
    when = times.parse(date, time, zone, fallback="Europe/Paris", order="dmy")
    assert when.error is None
    assert when.at == expected


def test_month_first_order_reads_slashed_dates_as_americans_write_them():
    when = times.parse("03/04/2030 10:00", "", "UTC", fallback="UTC", order="mdy")
    assert when.at == datetime(2030, 3, 4, 10, 0, tzinfo=UTC)
    assert times.slashed_order(["12/31/2030 10:00", "01/02/2030"]) == "mdy"
    assert times.slashed_order(["31/12/2030 10:00", "01/02/2030"]) == "dmy"
    assert times.slashed_order(["01/02/2030"]) is None


def test_time_in_the_spring_forward_gap_goes_out_an_hour_later_and_says_so():
    when = times.parse("2030-03-31", "02:30", "Europe/Berlin", fallback="UTC", order="dmy")
    assert when.at == datetime(2030, 3, 31, 1, 30, tzinfo=UTC)  # 03:30 CEST
    [(code, message)] = when.warnings
    assert code == "time_skipped"
    assert "03:30" in str(message)


def test_time_in_the_autumn_overlap_is_the_first_and_says_so():
    when = times.parse("2030-10-27", "02:30", "Europe/Berlin", fallback="UTC", order="dmy")
    assert when.at == datetime(2030, 10, 27, 0, 30, tzinfo=UTC)  # 02:30 CEST, the first
    [(code, message)] = when.warnings
    assert code == "time_repeated"
    assert "UTC+0200" in str(message)


def test_unknown_zone_and_unreadable_dates_say_what_to_write():
    assert (
        times.parse("2030-01-01", "10:00", "Europe/Atlantis", fallback="UTC", order="dmy").error[0]
        == "zone_invalid"
    )
    assert times.parse("next tuesday", "", "", fallback="UTC", order="dmy").error[0] == (
        "date_invalid"
    )
    assert times.parse("2030-02-30", "10:00", "", fallback="UTC", order="dmy").error[0] == (
        "date_invalid"
    )
    assert times.parse("2030-02-03", "", "", fallback="UTC", order="dmy").error[0] == (
        "time_required"
    )
    assert times.parse("2030-02-03", "25:00", "", fallback="UTC", order="dmy").error[0] == (
        "time_invalid"
    )


def test_semicolon_separated_utf8_with_german_dates_and_a_semicolon_in_quoted_text():
    read = formats.read(fixture_bytes("semicolons.csv"))
    assert (read.encoding, read.delimiter) == ("utf-8", ";")
    first, second = read.rows
    assert first.text == "Guten Morgen; mit Semikolon im Text"
    assert first.tags == ["morgen", "news"]
    assert second.channels == ["@acmex"]
    when = times.parse(first.date, first.time, first.zone, fallback="UTC", order="dmy")
    assert when.at == datetime(2030, 3, 14, 6, 45, tzinfo=UTC)
