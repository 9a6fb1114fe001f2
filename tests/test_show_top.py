"""`portalwatch show` and `portalwatch top` over a replica archive: the replica edits an article and its
counters move (and once reset); what the commands print is checked against the replica's truth."""
import json
import re
from datetime import datetime

import pytest

from crawler.registry import get_site
from crawler.settings import LOOPBACK_OVERRIDES
from monitor.cli import main
from monitor.crawling import crawl_sites
from vntext.worddiff import sides

SITE = "caugiay"  # the Hanoi platform: shows its view counter and the edit time


def crawl(url, replica):
    [outcome] = crawl_sites(url, [get_site(SITE).at(replica.base_urls[SITE])], settings=LOOPBACK_OVERRIDES,
                            clock=replica.clock_offset)
    assert outcome.ok, outcome.message
    return {replica.url_of(SITE, a): replica.views(SITE, a) for a in replica.visible(SITE)}


def cli_json(capsys, *args):
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def changes(segments):
    return [(s["op"], s["text"]) for s in segments if s["op"] != "equal"]


def truth_growth(readings: list[dict], url: str) -> tuple[int, int]:
    """Views gained between consecutive readings of the replica's counter, and the resets: a drop is a
    reset and gains nothing."""
    seen = [r[url] for r in readings if url in r]
    steps = list(zip(seen, seen[1:]))
    return sum(max(after - before, 0) for before, after in steps), sum(after < before for before, after in steps)


@pytest.fixture
def edited_archive(db_url, replica):
    """Crawled, edited (title word, a paragraph's ends, a file attached), 12 hours on, crawled again."""
    url = db_url
    readings = [crawl(url, replica)]
    target = replica.visible(SITE)[4]
    truth = replica.truth(SITE, target)
    old_title = target.title
    words = target.title.split(" ")
    new_title = " ".join(["Đẩy"] + words[1:])
    # a paragraph of the body (not its first, not a heading)
    index, paragraph = next((i, block[1]) for i, block in enumerate(target.blocks)
                            if block[0] == "p" and block[1] in truth["paragraphs"][1:])
    blocks = list(target.blocks)
    blocks[index] = ("p", "Sáng nay, " + paragraph + " Câu mới được thêm.")
    old_files = truth["attachments"]
    replica.edit(SITE, target.external_id, title=new_title, blocks=blocks,
                 attachments=list(target.attachments) + [("Kế hoạch số 86/KH-UBND", "/VanBan/2025/10/15/KH-86-2025.pdf")])
    replica.advance(hours=12)
    readings.append(crawl(url, replica))
    return url, target, {"old_title": old_title, "first_word": words[0],
                         "paragraph": paragraph, "readings": readings, "old_files": old_files}


def test_show_prints_the_edit_word_by_word_and_the_view_series(edited_archive, replica, capsys):
    url, target, edit = edited_archive
    page = replica.url_of(SITE, target)
    [hit] = [a for a in cli_json(capsys, "search", target.title, "--db", url) if a["url"] == page]
    shown = cli_json(capsys, "show", str(hit["id"]), "--db", url)
    assert shown["id"] == hit["id"] and shown["title"] == target.title and shown["url"] == page
    assert [v["version"] for v in shown["versions"]] == [1, 2]
    assert {"title", "body_text", "attachments", "updated_at"} <= set(shown["versions"][1]["changed"])
    diff = shown["diff"]
    assert (diff["from"], diff["to"]) == (1, 2)
    title = diff["fields"]["title"]
    assert changes(title["segments"]) == [("delete", edit["first_word"]), ("insert", "Đẩy")]
    assert sides(title["segments"]) == (edit["old_title"], target.title)
    assert (title["deleted_words"], title["inserted_words"]) == (1, 1)
    body = diff["fields"]["body_text"]
    assert changes(body["segments"]) == [("insert", "Sáng nay, "), ("insert", " Câu mới được thêm.")]
    assert sides(body["segments"])[1] == shown["body_text"]
    assert edit["paragraph"] in sides(body["segments"])[0]
    added = diff["fields"]["attachments"]["added"]
    now_files = replica.truth(SITE, target)["attachments"]
    assert [(a["file_name"], a["url"]) for a in added] == [f for f in now_files if f not in edit["old_files"]]
    assert [a["file_name"] for a in added] == ["KH-86-2025.pdf"]
    assert diff["fields"]["attachments"]["removed"] == []
    assert diff["fields"]["updated_at"]["old"] is None
    # the view series: one run per reading, the replica's counts
    assert [s["views"] for s in shown["view_samples"]] == [r[page] for r in edit["readings"]]
    assert [s["series"] for s in shown["view_samples"]] == [1, 1]
    assert shown["views"] == edit["readings"][-1][page]
    files = {f["url"]: f["current"] for f in shown["attachments"]}
    assert files == {name_url[1]: True for name_url in replica.truth(SITE, target)["attachments"]}
    # the documents its text cites, and the plan its new file is named after (KH-86-2025.pdf: 86/KH)
    assert {(d["canonical"], d["source"]) for d in shown["documents"]} == (
        {(c, "text") for c in target.documents} | {("86/KH", "attachment")})
    # by URL, and by the URL of a portal that moved to another port since
    assert cli_json(capsys, "show", page, "--db", url)["id"] == hit["id"]
    moved = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:1", page)
    assert cli_json(capsys, "show", moved, "--db", url)["id"] == hit["id"]
    # --diff A..B in either direction
    back = cli_json(capsys, "show", str(hit["id"]), "--diff", "2..1", "--db", url)["diff"]
    assert changes(back["fields"]["title"]["segments"]) == [("delete", "Đẩy"), ("insert", edit["first_word"])]
    # for people: the marks, the sparkline, the tables
    assert main(["show", str(hit["id"]), "--db", url]) == 0
    out = capsys.readouterr().out
    assert f"[-{edit['first_word']}-]{{+Đẩy+}}" in out and "{+Sáng nay, +}" in out
    assert "KH-86-2025.pdf" in out and re.search(r"[▁▂▃▄▅▆▇█]{10}", out)


def test_the_article_page_marks_the_edit_and_its_api_is_the_show_object(edited_archive, replica, capsys):
    """The web's article (monitor/web) is `show --json`'s: the API adds only body_html and images (both read
    from the newest stored page); the page marks the
    last edit with <del>/<ins>, its text escaped."""
    from fastapi.testclient import TestClient

    from monitor.web import create_app

    url, target, edit = edited_archive
    page = replica.url_of(SITE, target)
    shown = cli_json(capsys, "show", page, "--db", url)
    with TestClient(create_app(url)) as client:
        api = client.get(f"/api/articles/{shown['id']}").json()
        html = client.get(f"/articles/{shown['id']}").text
    assert "body_html" in api and "images" in api
    assert {k: v for k, v in api.items() if k not in ("body_html", "images")} == shown
    assert f"<del>{edit['first_word']}</del><ins>Đẩy</ins>" in html
    assert "<ins>Sáng nay, </ins>" in html and "<ins> Câu mới được thêm.</ins>" in html
    assert "<ins>Kế hoạch số 86/KH-UBND</ins>" in html


def test_show_refuses_what_it_cannot_find(edited_archive, capsys):
    url, _, _ = edited_archive
    for args, message in [(["999999"], "no article with id 999999"),
                          (["http://127.0.0.1:1/khong-co-bai-nay-1.htm"], "no article with URL"),
                          (["bai-viet"], "not an article id or URL"),
                          (["1", "--diff", "2"], "--diff takes two version numbers"),
                          (["1", "--diff", "1..9"], "has no version 9")]:
        assert main(["show", *args, "--db", url]) == 2, args
        captured = capsys.readouterr()
        assert captured.out == "" and message in captured.err and len(captured.err.strip().splitlines()) == 1, args


def test_top_ranks_by_the_replicas_views_and_growth_across_a_counter_reset(edited_archive, replica, capsys):
    url, target, edit = edited_archive
    readings = edit["readings"]
    replica.reset_views(SITE)  # a CMS migration: every counter starts again from 1
    replica.advance(hours=1)
    readings.append(crawl(url, replica))
    replica.advance(hours=25)  # a day and more: the last reading alone is in a one-day window
    readings.append(crawl(url, replica))
    page = replica.url_of(SITE, target)
    truth = {page_url: truth_growth(readings, page_url) for page_url in readings[-1]}
    growth = {page_url: gained for page_url, (gained, _) in truth.items()}
    assert growth[page] == (readings[1][page] - readings[0][page]) + (readings[3][page] - readings[2][page]) > 0
    assert truth[page][1] == 1

    rows = cli_json(capsys, "top", "--by", "growth", "--days", "30", "--limit", "15", "--db", url)
    rows_growth = [r["growth"] for r in rows]
    assert len(rows) == 15 and [r["rank"] for r in rows] == list(range(1, 16))
    assert [r["growth"] for r in rows] == sorted(growth.values(), reverse=True)[:15]
    assert all((r["growth"], r["resets"]) == truth[r["url"]] and r["views"] == readings[-1][r["url"]] for r in rows)
    assert any(r["resets"] for r in rows)
    shown = cli_json(capsys, "show", page, "--db", url)
    assert [s["series"] for s in shown["view_samples"]] == [1, 1, 2, 2]

    # a one-day window holds the last reading only: its rise from the reading before (after the reset) counts
    rows = cli_json(capsys, "top", "--by", "growth", "--days", "1", "--limit", "100", "--db", url)
    recent = {u: readings[3][u] - readings[2][u] if u in readings[2] else 0 for u in readings[3]
              if u not in readings[2] or readings[3][u] != readings[2][u]}  # an unmoved counter: no new reading
    assert {r["url"]: r["growth"] for r in rows} == recent
    assert all(r["resets"] == 0 for r in rows)

    rows = cli_json(capsys, "top", "--by", "views", "--days", "2", "--limit", "10", "--site", SITE, "--db", url)
    published = {replica.url_of(SITE, a): a.published for a in replica.visible(SITE)}
    start = rows[0]["window_start"]
    in_window = {u: v for u, v in readings[-1].items() if published[u] >= datetime.fromisoformat(start)}
    assert [r["views"] for r in rows] == sorted(in_window.values(), reverse=True)[:10]
    assert all(r["url"] in in_window and r["views"] == in_window[r["url"]] for r in rows)

    assert main(["top", "--by", "growth", "--days", "30", "--limit", "3", "--csv", "--db", url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "rank,id,site,url,title,published_at,category,views,growth,resets,samples,window_start,window_end"
    assert len(lines) == 4 and lines[1].startswith("1,")
    # a registered portal this archive never crawled ranks nothing; an unknown key is bad input (below)
    assert main(["top", "--by", "growth", "--days", "30", "--limit", "2", "--site", f"cmshn,{SITE}", "--db", url]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Top by growth, ") and f"+{rows_growth[0]}" in out and "(reset)" in out
    assert main(["top", "--site", "cmshn", "--db", url]) == 0
    assert "no article" in capsys.readouterr().out
    assert main(["top", "--site", "no-such-portal", "--db", url]) == 2
    assert "unknown site 'no-such-portal': neither registered nor in the archive" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["top", "--days", "0", "--db", url])
    assert exit_.value.code == 2 and "--days: must be at least 1" in capsys.readouterr().err


def test_top_refuses_an_unknown_portal_as_health_does(tmp_path, capsys):
    from crawler.registry import load_sites

    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    for command in ("top", "health"):
        assert main([command, "--site", "nowhere", "--db", url]) == 2, command
        captured = capsys.readouterr()
        assert captured.out == "" and len(captured.err.strip().splitlines()) == 1, command
        assert "unknown site 'nowhere': neither registered nor in the archive (known: " in captured.err, command
    registered = sorted(load_sites())[0]  # known, never crawled: an empty ranking, not an error
    assert main(["top", "--site", registered, "--site", "nowhere", "--db", url]) == 2
    assert "unknown site 'nowhere'" in capsys.readouterr().err
    assert main(["top", "--site", registered, "--db", url]) == 0
    assert "no article" in capsys.readouterr().out
