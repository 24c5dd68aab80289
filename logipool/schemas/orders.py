"""Schemas of joint supplier orders: suppliers, offers and tiers, cycles, needs, budgets, receipt,
settlement, purchase orders, donations and delivery notes."""

from __future__ import annotations

from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..models import TemperatureClass
from .common import AddressFields, Day, Email, Money, Name, PageArgs, Siret, UtcDateTime, Whole, decimal_between
from .ledger import ChargeSchema


def _at_most_three_decimals(value):
    # the range first: quantizing a huge number would overflow the decimal context
    if not Decimal(0) <= value <= Decimal(10**9):
        raise ValidationError("Between 0 and 1,000,000,000.")
    if value != value.quantize(Decimal("0.001")):
        raise ValidationError("At most three decimals (grams, millilitres).")


Quantity = lambda **kw: fields.Decimal(as_string=True, validate=_at_most_three_decimals, **kw)  # noqa: E731


class SupplierSchema(AddressFields):
    id = Whole(dump_only=True)
    name = Name(required=True)
    siret = Siret(allow_none=True)
    site_id = Whole(allow_none=True, metadata={"description": "Where goods are picked up, if not delivered."})
    contact_email = Email(allow_none=True)
    lead_time_days = Whole(load_default=2, validate=validate.Range(min=0, max=365))
    minimum_order = Money(attribute="minimum_order_cents", data_key="minimum_order", load_default=0,
                          validate=validate.Range(min=0),
                          metadata={"description": "Excl. VAT; the supplier is used only if it is reached."})
    free_delivery = Money(attribute="free_delivery_cents", data_key="free_delivery", allow_none=True,
                          validate=validate.Range(min=0),
                          metadata={"description": "Order value excl. VAT from which delivery is free (null: never)."})
    delivery_fee = Money(attribute="delivery_fee_cents", data_key="delivery_fee", load_default=0,
                         validate=validate.Range(min=0))
    active = fields.Boolean(load_default=True)


class SupplierUpdateSchema(SupplierSchema):
    pass


class SupplierQuery(PageArgs):
    active = fields.Boolean()


class TierSchema(Schema):
    min_packs = Whole(required=True, validate=validate.Range(min=1, max=10**9))
    pack_price = Money(attribute="pack_price_cents", data_key="pack_price", required=True,
                       validate=validate.Range(min=0), metadata={"description": "Per pack, excl. VAT."})


class OfferSchema(Schema):
    id = Whole(dump_only=True)
    supplier_id = Whole(required=True)
    reference = fields.String(required=True, validate=validate.Length(min=1, max=60))
    product = Name(required=True)
    category = fields.String(load_default="", validate=validate.Length(max=100))
    unit = fields.String(load_default="unit", validate=validate.Length(min=1, max=20),
                         metadata={"description": "What members count in: unit, kg, l, box..."})
    pack_size = Quantity(required=True, metadata={"description": "Units per pack."})
    divisible = fields.Boolean(load_default=False, metadata={"description": "Sold by weight: split to the gram."})
    vat_rate = fields.Decimal(as_string=True, load_default=Decimal("5.5"), validate=decimal_between("0", "20"),
                              metadata={"description": "Percent: 0, 2.1, 5.5, 10 or 20."})
    temperature_class = fields.Enum(TemperatureClass, by_value=True, load_default=TemperatureClass.AMBIENT)
    pack_weight_kg = Quantity(load_default=Decimal(0))
    pack_volume_l = Quantity(load_default=Decimal(0))
    packs_available = Whole(allow_none=True, validate=validate.Range(min=0, max=10**9),
                            metadata={"description": "Null: unlimited."})
    tiers = fields.List(fields.Nested(TierSchema), required=True, validate=validate.Length(min=1, max=20),
                        metadata={"description": "All-units discounts; the first starts at 1 pack."})
    active = fields.Boolean(load_default=True)

    @validates_schema
    def _positive_pack(self, data, **kwargs):
        if "pack_size" in data and data["pack_size"] <= 0:
            raise ValidationError("A pack holds at least something.", "pack_size")


class OfferUpdateSchema(OfferSchema):
    supplier_id = Whole(dump_only=True)


class OfferQuery(PageArgs):
    supplier_id = Whole()
    category = fields.String()
    q = fields.String(validate=validate.Length(min=1, max=100), metadata={"description": "Product name contains."})
    active = fields.Boolean()


class ImportQuery(Schema):
    locale = fields.String(load_default=None, validate=validate.OneOf(["fr", "en"]), metadata={
        "description": "How the file writes numbers: fr (1.250,50) or en (1,250.50). Without it, a number "
                       "with one separator and three digits after it (1.250, 1,000) is refused as ambiguous."})


class ImportResultSchema(Schema):
    supplier_id = Whole()
    cycle_id = Whole()
    created = Whole()
    updated = Whole()
    rows = Whole()
    needs = Whole()
    members = Whole()


FEE_KEYS = ("weight", "value", "equal")


class OrderCycleSchema(Schema):
    id = Whole(dump_only=True)
    name = Name(required=True)
    status = fields.String(dump_only=True)
    supplier_ids = fields.List(Whole(), required=True, validate=validate.Length(min=1, max=50))
    needs_deadline = UtcDateTime(allow_none=True)
    delivery_date = Day(allow_none=True)
    delivery_site_id = Whole(allow_none=True)
    fee_key = fields.String(load_default="weight", validate=validate.OneOf(FEE_KEYS),
                            metadata={"description": "How fees, transport and split leftovers are shared."})
    leftover_policy = fields.String(load_default="shared_stock", validate=validate.OneOf(("shared_stock", "split")))
    transport = Money(attribute="transport_cents", data_key="transport", load_default=0,
                      validate=validate.Range(min=0))
    time_limit_s = Whole(load_default=10, validate=validate.Range(min=1, max=25))
    notes = fields.String(load_default="", validate=validate.Length(max=2000))
    created_at = UtcDateTime(dump_only=True)
    opened_at = UtcDateTime(dump_only=True, allow_none=True)
    closed_at = UtcDateTime(dump_only=True, allow_none=True)
    allocated_at = UtcDateTime(dump_only=True, allow_none=True)
    ordered_at = UtcDateTime(dump_only=True, allow_none=True)
    received_at = UtcDateTime(dump_only=True, allow_none=True)
    settled_at = UtcDateTime(dump_only=True, allow_none=True)


class OrderCycleUpdateSchema(OrderCycleSchema):
    pass


class OrderCycleQuery(PageArgs):
    status = fields.String(validate=validate.OneOf(
        ("draft", "open", "closed", "allocated", "ordered", "received", "settled", "cancelled")))


class OrderCycleDetailSchema(OrderCycleSchema):
    allocation = fields.Dict(dump_only=True, allow_none=True,
                             metadata={"description": "The proposed or ordered plan (docs/purchasing.md)."})
    final_allocation = fields.Dict(dump_only=True, allow_none=True,
                                   metadata={"description": "After receipt: what each member got and pays."})
    receipt = fields.Dict(dump_only=True, allow_none=True)
    names = fields.Method(
        "_names", dump_only=True, allow_none=True,
        metadata={"type": "object", "description": "Who and what the plan's ids are: members, offers, suppliers."})

    def _names(self, cycle) -> dict | None:
        problem = cycle.problem
        if not problem:
            return None
        return {
            "members": {m["id"]: m.get("name", "") for m in problem["members"]},
            "offers": {o["id"]: o["product"] for o in problem["offers"]},
            "suppliers": {x["id"]: x.get("name", "") for x in problem["suppliers"]},
        }


class AllocateSchema(Schema):
    time_limit_s = Whole(validate=validate.Range(min=1, max=25))


class NeedSchema(Schema):
    id = Whole(dump_only=True)
    cycle_id = Whole(dump_only=True)
    member_id = Whole(required=True)
    offer_ids = fields.List(Whole(), required=True, validate=validate.Length(min=1, max=10),
                            metadata={"description": "One offer, or several interchangeable ones (same unit)."})
    minimum = Quantity(load_default=Decimal(0), metadata={"description": "Less is useless (hard bound)."})
    target = Quantity(required=True, metadata={"description": "The declared need."})
    maximum = Quantity(allow_none=True, metadata={"description": "Tolerance to absorb whole packs (default: target)."})
    note = fields.String(load_default="", validate=validate.Length(max=300))
    created_at = UtcDateTime(dump_only=True)


class NeedUpdateSchema(NeedSchema):
    member_id = Whole(dump_only=True)


class NeedQuery(PageArgs):
    member_id = Whole()


class BudgetSchema(Schema):
    member_id = Whole(dump_only=True)
    budget = Money(attribute="budget_cents", data_key="budget", allow_none=True,
                   validate=validate.Range(min=0),
                   metadata={"description": "Goods incl. VAT plus fee shares; null removes the cap."})
    weight = fields.Decimal(as_string=True, allow_none=True, validate=decimal_between("0.001", "1000000"),
                            metadata={"description": "Fairness weight (staff only); null: people served per week."})

    @validates_schema
    def _something(self, data, **kwargs):
        if not data:
            raise ValidationError("Give a budget, a weight, or both.", "budget")
        if data.get("weight") is not None and data["weight"] != data["weight"].quantize(Decimal("0.001")):
            raise ValidationError("At most three decimals.", "weight")


class ReceivedItemSchema(Schema):
    offer_id = Whole(required=True)
    packs = Whole(required=True, validate=validate.Range(min=0))
    lot = fields.String(validate=validate.Length(max=60))
    use_by = Day(allow_none=True, metadata={"description": "DLC"})
    best_before = Day(allow_none=True, metadata={"description": "DDM"})
    note = fields.String(validate=validate.Length(max=200))


class ReceiveSchema(Schema):
    items = fields.List(fields.Nested(ReceivedItemSchema), required=True, validate=validate.Length(max=2000),
                        metadata={"description": "Packs received per ordered offer; unlisted offers arrived in full."})


class SettlementSchema(Schema):
    cycle = fields.Nested(OrderCycleSchema)
    charges = fields.List(fields.Nested(ChargeSchema))
    charged = Money()
    shared_stock = Money(metadata={"description": "Leftovers kept as shared stock, paid by the coordination."})
    total_cost = Money(metadata={"description": "Supplier invoices + delivery fees + transport."})


class PurchaseOrderSummarySchema(Schema):
    supplier_id = Whole()
    supplier = fields.String()
    number = fields.String()
    lines = Whole()
    goods_ht = Money()
    delivery_fee = Money()


class DonationItemSchema(Schema):
    product = fields.String(required=True, validate=validate.Length(min=1, max=200))
    unit = fields.String(load_default="unit", validate=validate.Length(min=1, max=20))
    quantity = Quantity(required=True)
    divisible = fields.Boolean(load_default=False)


class DonationNeedSchema(Schema):
    member_id = Whole(required=True)
    product = fields.String(required=True, validate=validate.Length(min=1, max=200))
    minimum = Quantity()
    target = Quantity(required=True)
    maximum = Quantity()

    @validates_schema
    def _positive(self, data, **kwargs):
        if data.get("target") is not None and data["target"] <= 0:
            raise ValidationError("A need is positive.", "target")


class DonationSplitSchema(Schema):
    items = fields.List(fields.Nested(DonationItemSchema), required=True, validate=validate.Length(min=1, max=500))
    needs = fields.List(fields.Nested(DonationNeedSchema), required=True, validate=validate.Length(min=1, max=5000))
    time_limit_s = Whole(load_default=5, validate=validate.Range(min=1, max=25))


class DonationLineSchema(Schema):
    product = fields.String()
    unit = fields.String()
    target = fields.Decimal(as_string=True)
    received = fields.Decimal(as_string=True)
    fill_ratio = fields.Float()
    reason = fields.String(allow_none=True)
    cause = fields.String(allow_none=True, metadata={"description": "The reason in words, naming what blocked."})


class DonationMemberSchema(Schema):
    member_id = Whole()
    name = fields.String()
    weight = Whole()
    fill_ratio = fields.Float()
    items = fields.List(fields.Nested(DonationLineSchema))


class DonationLeftoverSchema(Schema):
    product = fields.String()
    quantity = fields.Decimal(as_string=True)


class DonationResultSchema(Schema):
    status = fields.String()
    seconds = fields.Float()
    min_fill_ratio = fields.Float()
    jain_index = fields.Float()
    members = fields.List(fields.Nested(DonationMemberSchema))
    leftovers = fields.List(fields.Nested(DonationLeftoverSchema))


class DeliveryItemSchema(Schema):
    description = fields.String()
    lot = fields.String()
    use_by = fields.String(allow_none=True, metadata={"description": "DLC, ISO date"})
    best_before = fields.String(allow_none=True, metadata={"description": "DDM, ISO date"})
    temperature_class = fields.String(metadata={"description": "ambient, chilled or frozen"})
    measured_temperature = fields.String(allow_none=True, metadata={"description": "Filled in on arrival."})
    ordered_quantity = fields.String()
    delivered_quantity = fields.String()
    unit = fields.String(metadata={"description": "UN/ECE Recommendation 20 code (KGM, LTR, C62...)"})
    difference_reason = fields.String(allow_none=True)


class DeliveryNoteSchema(Schema):
    number = fields.String()
    delivery_date = fields.String()
    issuer = fields.String()
    recipient = fields.Dict()
    delivery_address = fields.Dict(allow_none=True)
    source = fields.String()
    vehicle = fields.String(allow_none=True)
    planned = fields.Boolean(metadata={"description": "True until the delivery has happened (a round not driven "
                                                      "yet): the quantities are planned, not delivered."})
    items = fields.List(fields.Nested(DeliveryItemSchema))
