"""The API's documentation page as an integrator uses it in Chromium: authorise with a token, try
the invoice PDF operation, and the downloaded file is the PDF itself, which opens."""

from __future__ import annotations

import io
import time

import pytest
from pypdf import PdfReader
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from logipool.db import get_session
from logipool.models import Invoice, InvoiceStatus, Role, RoleGrant
from logipool.services.accounts import issue_token

pytestmark = pytest.mark.browser


def _button(driver, text, within=None):
    scope = within or driver
    return next(b for b in scope.find_elements(By.TAG_NAME, "button") if b.text.strip() == text)


def test_the_docs_page_downloads_an_invoice_pdf_that_opens(browser, server, _app, tmp_path):
    with _app.app_context():
        session = get_session()
        invoice = session.scalars(select(Invoice).where(Invoice.status == InvoiceStatus.ISSUED)
                                  .order_by(Invoice.id)).first()
        grant = session.scalars(select(RoleGrant).where(RoleGrant.role == Role.MANAGER)).first()
        _, token = issue_token(session, grant, days=1, name="docs page")
        session.commit()
        number, pdf_bytes, invoice_id = invoice.number, invoice.pdf, invoice.id
    browser.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    try:
        browser.get(f"{server}/api/v1/docs")
        wait = WebDriverWait(browser, 30)
        wait.until(lambda d: any(b.text.strip() == "Authorize" for b in d.find_elements(By.TAG_NAME, "button")))
        _button(browser, "Authorize").click()
        dialog = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "div.modal-ux"))
        dialog.find_element(By.CSS_SELECTOR, "input[type=text]").send_keys(token)
        _button(browser, "Authorize", dialog).click()
        _button(browser, "Close", dialog).click()

        # the operation, found by the operationId the contract gives it
        operation = browser.find_element(By.ID, "operations-invoices-invoices_invoice_pdf_get")
        operation.find_element(By.CSS_SELECTOR, ".opblock-summary").click()
        wait.until(lambda d: any(b.text.strip() == "Try it out"
                                 for b in operation.find_elements(By.TAG_NAME, "button")))
        _button(browser, "Try it out", operation).click()
        operation.find_element(By.CSS_SELECTOR, "input[placeholder='invoice_id']").send_keys(str(invoice_id))
        _button(browser, "Execute", operation).click()
        link = wait.until(lambda d: next((a for a in operation.find_elements(By.TAG_NAME, "a")
                                          if a.text.strip() == "Download file"), None))
        link.click()
        deadline = time.monotonic() + 30
        while not (done := [p for p in tmp_path.iterdir() if not p.name.endswith(".crdownload")]):
            assert time.monotonic() < deadline, "nothing was downloaded"
            time.sleep(0.2)
    finally:
        browser.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "deny"})
    (saved,) = done
    assert saved.name == f"{number}.pdf"
    data = saved.read_bytes()
    assert data == pdf_bytes  # the bytes sent, not text re-encoded into a broken file
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert number in text
