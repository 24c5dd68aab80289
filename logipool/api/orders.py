"""Joint supplier orders: catalogue, order cycles, needs, allocation, purchase orders, settlement."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Response, current_app, request
from flask.views import MethodView

import invoices

from .. import schemas as s
from ..auth import current
from ..db import get_session
from ..errors import InvalidInput
from ..services import orders as svc
from ..services.parties import logo_of
from .common import ApiBlueprint, commit, crud_blueprint
from .jobs import accepted

MAX_UPLOAD = 1024 * 1024
CSV = "text/csv; charset=utf-8"


def _logo() -> bytes | None:
    return logo_of(get_session(), current().coordination_id)


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def _upload() -> tuple[bytes, str]:
    """A CSV or XLSX file, as multipart ``file`` or as the raw body with its content type."""
    if request.files:
        if "file" not in request.files:
            raise InvalidInput.field("file", "Send the file in the multipart field 'file'.")
        upload = request.files["file"]
        data = upload.read(MAX_UPLOAD + 1)
        name = upload.filename or "upload.csv"
    else:
        data = request.get_data(cache=False)
        kind = request.mimetype
        name = "upload.xlsx" if "spreadsheetml" in kind else "upload.csv"
    if not data:
        raise InvalidInput.field("file", "The file is empty.")
    return data, name


FILE_BODY = {
    "content": {
        "multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string",
                                                                                     "format": "binary"}}}},
        "text/csv": {"schema": {"type": "string"}},
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
            "schema": {"type": "string", "format": "binary"}},
    },
    "required": True,
}

suppliers = crud_blueprint(svc.SUPPLIERS, "suppliers", s.SupplierSchema, s.SupplierUpdateSchema, s.SupplierQuery,
                           "Suppliers: minimum order, free-delivery threshold, delivery fee, pickup site.")


@suppliers.route("/<int:supplier_id>/price-list")
class PriceListImport(MethodView):
    @suppliers.arguments(s.ImportQuery, location="query")
    @suppliers.doc(requestBody=FILE_BODY)
    @suppliers.response(200, s.ImportResultSchema)
    def post(self, args, supplier_id):
        """Import the supplier's price list (CSV or XLSX): offers created or updated by reference,
        every row checked; on any error nothing is imported and each error names its row and column.
        A title block above the header row is skipped; `1.250` is refused as ambiguous unless
        `?locale=fr` or `?locale=en` says how the file writes numbers."""
        data, name = _upload()
        result = svc.import_price_list(get_session(), current(), supplier_id, data, name, locale=args["locale"])
        commit()
        return result


offers = crud_blueprint(svc.OFFERS, "offers", s.OfferSchema, s.OfferUpdateSchema, s.OfferQuery,
                        "The catalogue: packs, VAT, temperature class, stock and price tiers.")

cycles = ApiBlueprint("order_cycles", "order-cycles",
                      "Joint orders: members declare needs, a fair split decides packs and shares.")


@cycles.route("/")
class Cycles(MethodView):
    @cycles.arguments(s.OrderCycleQuery, location="query")
    @cycles.response(200, s.page_of(s.OrderCycleSchema))
    def get(self, args):
        return svc.CYCLES.list(get_session(), current(), args)

    @cycles.arguments(s.OrderCycleSchema)
    @cycles.response(201, s.OrderCycleSchema)
    def post(self, data):
        row = svc.create_cycle(get_session(), current(), data)
        commit()
        return row


@cycles.route("/<int:cycle_id>")
class CycleItem(MethodView):
    @cycles.response(200, s.OrderCycleDetailSchema)
    def get(self, cycle_id):
        """The cycle with its plan (allocation) and, once received, what each member got and pays."""
        return svc.CYCLES.get(get_session(), current(), cycle_id)

    @cycles.arguments(s.OrderCycleUpdateSchema(partial=True))
    @cycles.response(200, s.OrderCycleSchema)
    def patch(self, data, cycle_id):
        row = svc.update_cycle(get_session(), current(), cycle_id, data)
        commit()
        return row

    @cycles.response(204)
    def delete(self, cycle_id):
        svc.delete_cycle(get_session(), current(), cycle_id)
        commit()


def _move(action: str, doc: str):
    class Move(MethodView):
        @cycles.response(200, s.OrderCycleSchema)
        def post(self, cycle_id):
            row = svc.move(get_session(), current(), cycle_id, action)
            commit()
            return row

    Move.post.__doc__ = doc
    Move.__name__ = f"Cycle{action.title()}"
    cycles.route(f"/<int:cycle_id>/{action}")(Move)


_move("open", "Open the cycle: members declare their needs (also re-opens a closed cycle).")
_move("close", "Close the declarations.")
_move("cancel", "Cancel the cycle (until it is ordered).")


@cycles.route("/<int:cycle_id>/allocate")
class CycleAllocate(MethodView):
    @cycles.arguments(s.AllocateSchema)
    @cycles.response(200, s.OrderCycleDetailSchema)
    @cycles.alt_response(202, schema=s.OrderCycleDetailSchema,
                         description="A large cycle: its allocation is queued; Location names the job.")
    def post(self, data, cycle_id):
        """Propose the fair split (max–min fill ratio, then most need, then least cost). Re-run it
        after any change. Bounds no plan can meet are reported, naming members and offers. A
        large cycle is allocated by a background job (202)."""
        row, job = svc.request_allocation(get_session(), current(), cycle_id, data.get("time_limit_s"))
        commit()
        if job is None:
            return row
        get_session().refresh(row)
        return accepted(row, job)


@cycles.route("/<int:cycle_id>/order")
class CycleOrder(MethodView):
    @cycles.response(200, s.OrderCycleSchema)
    def post(self, cycle_id):
        """Freeze the plan: a purchase order per supplier."""
        row = svc.place_order(get_session(), current(), cycle_id)
        commit()
        return row


@cycles.route("/<int:cycle_id>/receive")
class CycleReceive(MethodView):
    @cycles.arguments(s.ReceiveSchema)
    @cycles.response(200, s.OrderCycleDetailSchema)
    def post(self, data, cycle_id):
        """Record packs received, lots, DLC/DDM; a shortfall is spread by the same fair rule."""
        row = svc.receive(get_session(), current(), cycle_id, data)
        commit()
        return row


@cycles.route("/<int:cycle_id>/settle")
class CycleSettle(MethodView):
    @cycles.response(201, s.SettlementSchema)
    def post(self, cycle_id):
        """Post each member's charges (goods at the tier reached, VAT shown, fee and transport shares)."""
        result = svc.settle(get_session(), current(), cycle_id, _tz())
        commit()
        return result


@cycles.route("/<int:cycle_id>/needs")
class Needs(MethodView):
    @cycles.arguments(s.NeedQuery, location="query")
    @cycles.response(200, s.page_of(s.NeedSchema))
    def get(self, args, cycle_id):
        return svc.list_needs(get_session(), current(), cycle_id, args)

    @cycles.arguments(s.NeedSchema)
    @cycles.response(201, s.NeedSchema)
    def post(self, data, cycle_id):
        row = svc.create_need(get_session(), current(), cycle_id, data)
        commit()
        return row


@cycles.route("/<int:cycle_id>/needs/<int:need_id>")
class NeedItem(MethodView):
    @cycles.arguments(s.NeedUpdateSchema(partial=True))
    @cycles.response(200, s.NeedSchema)
    def patch(self, data, cycle_id, need_id):
        row = svc.update_need(get_session(), current(), cycle_id, need_id, data)
        commit()
        return row

    @cycles.response(204)
    def delete(self, cycle_id, need_id):
        svc.delete_need(get_session(), current(), cycle_id, need_id)
        commit()


@cycles.route("/<int:cycle_id>/needs/import")
class NeedsImport(MethodView):
    @cycles.arguments(s.ImportQuery, location="query")
    @cycles.doc(requestBody=FILE_BODY)
    @cycles.response(200, s.ImportResultSchema)
    def post(self, args, cycle_id):
        """Upload needs as CSV or XLSX (member, reference, minimum, target, maximum, note): the needs of
        each member named in the file are replaced; on any error nothing changes (numbers as for
        price lists, `?locale=fr|en`)."""
        data, name = _upload()
        result = svc.import_needs(get_session(), current(), cycle_id, data, name, locale=args["locale"])
        commit()
        return result


@cycles.route("/<int:cycle_id>/budgets")
class Budgets(MethodView):
    @cycles.response(200, s.BudgetSchema(many=True))
    def get(self, cycle_id):
        return svc.list_budgets(get_session(), current(), cycle_id)


@cycles.route("/<int:cycle_id>/budgets/<int:member_id>")
class BudgetItem(MethodView):
    @cycles.arguments(s.BudgetSchema)
    @cycles.response(200, s.BudgetSchema)
    def put(self, data, cycle_id, member_id):
        """The member's terms in this cycle: a budget cap (goods incl. VAT and fee shares) and, set by
        staff, a fairness weight other than the people it serves per week; null clears either."""
        row = svc.set_terms(get_session(), current(), cycle_id, member_id, data)
        commit()
        return row or {"member_id": member_id, "budget_cents": None, "weight": None}


@cycles.route("/<int:cycle_id>/purchase-orders")
class PurchaseOrders(MethodView):
    @cycles.response(200, s.PurchaseOrderSummarySchema(many=True))
    def get(self, cycle_id):
        return svc.purchase_orders(get_session(), current(), cycle_id)


@cycles.route("/<int:cycle_id>/purchase-orders/<int:supplier_id>.pdf")
class PurchaseOrderPdf(MethodView):
    @cycles.arguments(s.LangQuery, location="query")
    @cycles.response(200, content_type="application/pdf")
    def get(self, args, cycle_id, supplier_id):
        po = svc.purchase_order(get_session(), current(), cycle_id, supplier_id, _tz())
        pdf = invoices.render_purchase_order(po, lang=args["lang"], logo=_logo())
        return Response(pdf, mimetype="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{po.number}.pdf"'})


@cycles.route("/<int:cycle_id>/purchase-orders/<int:supplier_id>.csv")
class PurchaseOrderCsv(MethodView):
    @cycles.arguments(s.CsvQuery, location="query")
    @cycles.response(200, content_type="text/csv")
    def get(self, args, cycle_id, supplier_id):
        """The purchase order for a spreadsheet: French by default, `?dialect=plain` for machines."""
        po = svc.purchase_order(get_session(), current(), cycle_id, supplier_id, _tz())
        return Response(svc.purchase_order_csv(po, args["dialect"]), mimetype=CSV,
                        headers={"Content-Disposition": f'attachment; filename="{po.number}.csv"'})


@cycles.route("/<int:cycle_id>/delivery-notes/<int:member_id>.pdf")
class DeliveryNotePdf(MethodView):
    @cycles.arguments(s.LangQuery, location="query")
    @cycles.response(200, content_type="application/pdf")
    def get(self, args, cycle_id, member_id):
        """The member's delivery note (bon de livraison): ordered vs delivered, lots, DLC/DDM,
        temperature class with a field for the measured temperature, signatures."""
        note = svc.delivery_note(get_session(), current(), cycle_id, member_id, _tz())
        pdf = invoices.render_delivery_note(note, lang=args["lang"], logo=_logo())
        return Response(pdf, mimetype="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{note.number}.pdf"'})


@cycles.route("/<int:cycle_id>/delivery-notes/<int:member_id>")
class DeliveryNoteJson(MethodView):
    @cycles.response(200, s.DeliveryNoteSchema)
    def get(self, cycle_id, member_id):
        return svc.delivery_note(get_session(), current(), cycle_id, member_id, _tz()).to_dict()


donations = ApiBlueprint("donation_splits", "donation-splits",
                         "Split goods already received (a collection's haul) fairly by declared need.")


@donations.route("/")
class DonationSplit(MethodView):
    @donations.arguments(s.DonationSplitSchema)
    @donations.response(200, s.DonationResultSchema)
    def post(self, data):
        """Compute the split (nothing is stored): max–min fair by fill ratio, weights = people served."""
        return svc.split_donation(get_session(), current(), data)


def blueprints():
    return [suppliers, offers, cycles, donations]
