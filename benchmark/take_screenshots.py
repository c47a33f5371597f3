"""Take the README's screenshots from a demo database.

    python3 benchmark/take_screenshots.py [--db NAME [--data-dir DIR]] [--only NAME ...] [--out DIR]

Without --db, creates a database with the addon and its demo data
(`-i customer_segmentation --with-demo`), and drops it at the end (--keep
keeps it, and says how to use it again); with --db, uses that database as
it is, its filestore in Odoo's default data folder or in --data-dir. Starts
Odoo on 127.0.0.1 on a free port, logs in (admin / admin by default) with
Playwright driving Debian's Chromium (/usr/bin/chromium, or --chromium),
saves one PNG per shot in static/description/ and stops Odoo. Odoo sees
the repository under the addon's name as the benchmarks do
(odoo_session.addons_path).

A shot is a name, a page to open and what to do before the picture: add one
to SHOTS to get a new screenshot, and show it in README.md. A shot of a PDF
report downloads it in the logged-in session and keeps its first page, as
`pdftoppm` (poppler-utils) renders it.
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from odoo_session import MODULE, REPO, addons_path

import odoo

# The demo customer shown on the form: AX, in the VIP and strategic segments.
CUSTOMER = "Harbor Point Coworking"
# The report_name of action_report_client_base_review
# (report/customer_base_review_reports.xml), printed for the main company.
CLIENT_BASE_REVIEW = f"{MODULE}.report_client_base_review"
# The demo segment with a follow-up call (on entry), shown planning it at the
# cadence instead: not a cadence profile, so each member's own interval applies.
FOLLOW_UP_SEGMENT = f"{MODULE}.segment_strategic_accounts"
# The resolution of a PDF page's picture: an A4 page about 660 pixels wide.
PDF_DPI = 80


@dataclass
class Shot:
    """One screenshot: `name`.png of `url` (a path, or a callable taking an
    Rpc and returning one), once `ready` (a CSS selector) shows, after
    `prepare(page)` if given and before `after(page)` if given (to undo what
    `prepare` changed), in a `width` x `height` window (a common laptop's
    1440 px wide), for a user working in `lang`. With `pdf`, `url` is a PDF
    report and the picture its first page (no window, no `ready`)."""

    name: str
    url: object
    ready: str = None
    prepare: object = None
    after: object = None
    width: int = 1440
    height: int = 900
    pdf: bool = False
    lang: str = "en_US"


def _open_segmentation_tab(page):
    page.get_by_role("tab", name="Segmentation").click()
    page.wait_for_selector(".o_notebook .tab-pane.active [name='abc_class']")


def _expand_by_cell(page):
    """Each salesperson's row split by ABC-XYZ cell: the first one by its
    header's menu, the others by "Expand all"."""
    salespeople = page.locator(".o_pivot tbody .o_pivot_header_cell_closed").count()
    page.locator(".o_pivot tbody .o_pivot_header_cell_closed").first.click()
    page.get_by_role("menuitem", name="ABC-XYZ Cell").click()
    page.wait_for_function("() => document.querySelectorAll('.o_pivot tbody .o_pivot_header_cell_opened').length === 2")
    page.click(".o_pivot_expand_button")
    page.wait_for_function(
        "(opened) => document.querySelectorAll('.o_pivot tbody .o_pivot_header_cell_opened').length === opened",
        arg=1 + salespeople,
    )


def _plan_follow_up_at_cadence(page):
    """The Follow-up tab with "Recurring at the Cadence" chosen, not saved:
    the note says which interval the recurring activities would use."""
    page.get_by_role("tab", name="Follow-up").click()
    tab = page.locator(".o_notebook .tab-pane.active")
    tab.locator("[name='activity_planning'] input[data-value='cadence']").check()
    tab.locator("[name='activity_interval_note'] span:not(:empty)").wait_for()


def _discard_changes(page):
    """Leaving a changed form saves it: discard the changes first."""
    page.click(".o_form_button_cancel")
    page.wait_for_selector(".o_form_button_cancel", state="hidden")


SHOTS = [
    Shot(
        "screenshot_dashboard",
        "/odoo/action-customer_segmentation.action_client_base_dashboard",
        ".o_dashboard_tile_migration",
        height=720,
    ),
    Shot(
        "screenshot_matrix",
        "/odoo/action-customer_segmentation.action_abc_xyz_matrix",
        ".o_matrix_table td[data-cell=AX] .o_matrix_strategy",
        height=860,
    ),
    Shot(
        "screenshot_priority_clients",
        "/odoo/action-customer_segmentation.action_my_priority_clients",
        ".o_list_renderer .o_data_row",
        height=800,
    ),
    Shot(
        "screenshot_customer_form",
        lambda rpc: f"/odoo/res.partner/{rpc.partner_id(CUSTOMER)}",
        ".o_form_view .o_notebook",
        prepare=_open_segmentation_tab,
        height=1180,
    ),
    Shot(
        "screenshot_segments",
        "/odoo/action-customer_segmentation.customer_segment_action",
        ".o_list_renderer .o_data_row",
        height=720,
    ),
    Shot(
        "screenshot_priority_pipeline",
        "/odoo/action-customer_segmentation.action_priority_pipeline",
        ".o_kanban_record .o_customer_segmentation_cell",
        height=720,
    ),
    Shot(
        "screenshot_dynamics",
        "/odoo/action-customer_segmentation.customer_dynamics_report_action",
        ".o_pivot .o_pivot_cell_value",
        height=730,
    ),
    Shot(
        "screenshot_plan_actual",
        "/odoo/action-customer_segmentation.customer_plan_actual_report_action",
        ".o_pivot .o_pivot_cell_value",
        height=470,
    ),
    Shot(
        "screenshot_churn",
        "/odoo/action-customer_segmentation.customer_base_report_action",
        ".o_graph_renderer canvas",
        height=720,
    ),
    Shot(
        "screenshot_cell_migration",
        "/odoo/action-customer_segmentation.customer_cell_transition_report_action",
        ".o_pivot .o_pivot_cell_value",
        height=620,
    ),
    Shot(
        "screenshot_cadence",
        "/odoo/action-customer_segmentation.customer_cadence_report_action",
        ".o_pivot .o_pivot_cell_value",
        height=560,
    ),
    Shot(
        "screenshot_cadence_recommendations",
        "/odoo/action-customer_segmentation.customer_cadence_recommendation_action",
        ".o_list_renderer .o_data_row",
        height=520,
    ),
    Shot(
        "screenshot_manager_activity",
        "/odoo/action-customer_segmentation.customer_manager_activity_report_action",
        ".o_pivot .o_pivot_cell_value",
        prepare=_expand_by_cell,
        height=800,
    ),
    Shot(
        "screenshot_segment_follow_up",
        lambda rpc: f"/odoo/action-customer_segmentation.customer_segment_action/{rpc.ref(FOLLOW_UP_SEGMENT)}",
        ".o_form_view .o_notebook",
        prepare=_plan_follow_up_at_cadence,
        after=_discard_changes,
        height=900,
    ),
    Shot(
        "screenshot_matrix_ru",
        "/odoo/action-customer_segmentation.action_abc_xyz_matrix",
        ".o_matrix_table td[data-cell=AX] .o_matrix_strategy",
        height=860,
        lang="ru_RU",
    ),
    Shot(
        "screenshot_review_pdf",
        lambda rpc: f"/report/pdf/{CLIENT_BASE_REVIEW}/{rpc.ref('base.main_company')}",
        pdf=True,
    ),
]


class Rpc:
    """What the shots need to know about the database, asked through the
    web client's own JSON-RPC route in the logged-in browser session."""

    def __init__(self, page, base, login):
        self.page, self.base, self.login = page, base, login

    def call(self, model, method, *args, **kwargs):
        response = self.page.request.post(
            f"{self.base}/web/dataset/call_kw/{model}/{method}",
            data={
                "jsonrpc": "2.0",
                "method": "call",
                "params": {"model": model, "method": method, "args": args, "kwargs": kwargs},
            },
        )
        body = response.json()
        if "error" in body:
            sys.exit(f"{model}.{method}: {body['error']['data']['message']}")
        return body["result"]

    def ref(self, xmlid):
        module, name = xmlid.split(".")
        ids = self.call("ir.model.data", "search_read", [("module", "=", module), ("name", "=", name)], ["res_id"])
        if not ids:
            sys.exit(f"no record {xmlid}")
        return ids[0]["res_id"]

    def use_language(self, code):
        """Work in the language `code`: installed (with the addons'
        translations) when it is not yet, and set on the logged-in user."""
        langs = self.call("res.lang", "search_read", [("code", "=", code)], ["active"], context={"active_test": False})
        if not langs:
            sys.exit(f"no language {code}")
        if not langs[0]["active"]:
            wizard = self.call("base.language.install", "create", {"lang_ids": [(6, 0, [langs[0]["id"]])]})
            self.call("base.language.install", "lang_install", [wizard])
        uid = self.call("res.users", "search", [("login", "=", self.login)], limit=1)
        self.call("res.users", "write", uid, {"lang": code})

    def partner_id(self, name):
        ids = self.call("res.partner", "search", [("name", "=", name)], limit=1)
        if not ids:
            sys.exit(f"no customer named {name!r}: is it a demo database?")
        return ids[0]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url, server, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"Odoo stopped with exit code {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(1)
    sys.exit(f"Odoo did not answer on {url} within {timeout} s")


def take(shots, base, args):
    from playwright.sync_api import sync_playwright  # optional: only this script needs it

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
        try:
            context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
            page = context.new_page()
            page.goto(f"{base}/web/login")
            page.fill("input[name=login]", args.login)
            page.fill("input[name=password]", args.password)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/odoo**")
            rpc = Rpc(page, base, args.login)
            language = "en_US"
            for shot in sorted(shots, key=lambda shot: shot.lang != "en_US"):
                if shot.lang != language:
                    rpc.use_language(shot.lang)
                    language = shot.lang
                url = base + (shot.url(rpc) if callable(shot.url) else shot.url)
                path = out / f"{shot.name}.png"
                (save_pdf_page if shot.pdf else save_screen)(page, shot, url, path)
                print(f"saved {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
            if language != "en_US":
                rpc.use_language("en_US")
        finally:
            browser.close()


def save_screen(page, shot, url, path):
    page.set_viewport_size({"width": shot.width, "height": shot.height})
    page.goto(url)
    page.wait_for_selector(shot.ready)
    if shot.prepare:
        shot.prepare(page)
    # The web client never goes network-idle (its bus stays open):
    # wait until it shows no loading indicator, then let it paint.
    page.wait_for_function("() => !document.querySelector('.o_loading_indicator, .o_blockUI')")
    # An empty view shows made-up sample records: not a picture of the addon.
    if page.query_selector(".o_view_sample_data, .o_error_dialog"):
        sys.exit(f"{shot.name}: {url} shows sample data or an error, not the database's figures")
    # No blinking cursor, tooltip or hover state in the picture: the mouse
    # leaves the window (a corner of it would still be over a list's row).
    page.mouse.move(-1, -1)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.wait_for_timeout(1000)
    page.screenshot(path=str(path))
    if shot.after:
        shot.after(page)


def save_pdf_page(page, shot, url, path):
    """The first page of the PDF at `url`, printed in the browser's session."""
    response = page.request.get(url, timeout=180_000)
    if not response.ok or not response.body().startswith(b"%PDF"):
        sys.exit(f"{shot.name}: {url} answered {response.status}, not a PDF: {response.text()[:500]}")
    with tempfile.TemporaryDirectory() as scratch:
        pdf = Path(scratch) / f"{shot.name}.pdf"
        pdf.write_bytes(response.body())
        # -singlefile: writes <prefix>.png, without a page number
        command = ["pdftoppm", "-png", "-r", str(PDF_DPI), "-f", "1", "-l", "1", "-singlefile"]
        subprocess.run([*command, str(pdf), str(path.with_suffix(""))], check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="an existing database with the addon and its demo data")
    parser.add_argument("--keep", action="store_true", help="keep the database this script creates")
    parser.add_argument("--data-dir", help="Odoo's data folder of --db (its filestore), as --keep prints it")
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=[shot.name for shot in SHOTS])
    parser.add_argument("--out", default=str(REPO / "static" / "description"))
    parser.add_argument("--addons-path", default=None, help="Odoo's addons folder (default: next to odoo)")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    shots = [shot for shot in SHOTS if not args.only or shot.name in args.only]

    # Odoo's own addons, next to the odoo package unless given
    args.addons_path = args.addons_path or str(Path(next(iter(odoo.__path__))).parent / "addons")
    db = args.db or f"cs_screenshots_{os.getpid()}"
    # the filestore of the database this script creates, kept with it (--keep)
    created = not args.db
    data_dir = tempfile.mkdtemp(prefix="cs_screenshots_data_") if created else args.data_dir
    server = None
    with addons_path(args) as paths:
        odoo_args = [sys.executable, "-m", "odoo", "-d", db, "--addons-path", paths]
        odoo_args += ["--http-interface", "127.0.0.1", "--log-level", "warn"]
        if data_dir:
            odoo_args += ["--data-dir", data_dir]
        try:
            if created:
                print(f"creating {db} with {MODULE} and its demo data ...", flush=True)
                subprocess.run(
                    [*odoo_args, "-i", MODULE, "--with-demo", "--stop-after-init", "--http-port", str(free_port())],
                    check=True,
                )
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            server = subprocess.Popen([*odoo_args, "--http-port", str(port), "--workers", "0"])
            wait_for(f"{base}/web/login", server)
            take(shots, base, args)
        finally:
            if server and server.poll() is None:
                server.terminate()
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    server.kill()
            if created and args.keep:
                print(f"kept database {db}: use it again with --db {db} --data-dir {data_dir}")
            elif created:
                subprocess.run(["dropdb", "--if-exists", db], check=False)
                shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
