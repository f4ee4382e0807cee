"""Importing products and services into the catalogue, with their price in the default price list.

A row is the same product as one in Carte when it has the same SKU (case ignored) or the same
id in the old system (recorded by an earlier import). Every write goes through the catalogue
services, so the same rules hold as on the catalogue screens: a name is required, a SKU is
unique, the tax must be in use, a price has no more decimals than the list's currency, and
importing needs the catalogue rights (managers and administrators by default). Empty cells
leave a product's value as it is when a row updates it.
"""

from decimal import Decimal

from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carte.core import audit, policy
from carte.core.errors import Conflict, DomainError, Invalid, NotAllowed
from carte.core.money import parse_decimal, rounded
from carte.sales.models import DealLine, DocumentLine, Price, PriceList, Product, Tax
from carte.sales.queries.catalogue import MODULE, default_price_list
from carte.sales.services.catalogue import (
    PRODUCT_CHANGES,
    PRODUCT_FIELDS,
    create_product,
    remove_price,
    set_price,
    update_product,
)
from carte.transfer.models import ImportRow
from carte.transfer.targets.base import Context, Field, Outcome, Row
from carte.transfer.targets.finding import (
    find_choice,
    find_tax,
    flag,
    forget_keys,
    keyed_ids,
    match_keys,
    number,
    raw_shown,
    refusal,
    skipped_message,
    stamp_of,
    text_within,
    yes_no,
)
from carte.transfer.targets.one_by_one import OLD_ID, OneByOneTarget, old_id_field

Action = policy.Action
TEXTS = ("name", "sku", "unit", "description")


def _default_price(product: Product) -> str:
    """The product's price in the default list, from the prefetched prices (see `prefetch_related`)."""
    for price in product.prices.all():
        if price.price_list.is_default:
            return str(rounded(price.unit_price, price.price_list.currency.digits))
    return ""


class ProductsTarget(OneByOneTarget):
    key = "products"
    label = gettext_lazy("Products and services")
    module = MODULE
    model = Product
    match_keys = {"sku": gettext_lazy("SKU"), "external_id": OLD_ID}
    select_related = ("tax",)
    prefetch_related = ("prices__price_list__currency",)

    def fields(self) -> list[Field]:
        return [
            old_id_field("product id", "id produit", "внешний код"),
            Field(
                "name",
                gettext_lazy("Name"),
                names=(
                    *("name", "product", "product name", "item", "item name", "service"),
                    *("nom", "produit", "désignation", "libellé", "nom du produit"),
                    *("название", "наименование", "товар", "услуга", "номенклатура"),
                ),
                required=True,
                text=lambda product: product.name,
            ),
            Field(
                "kind",
                gettext_lazy("Kind"),
                names=("kind", "type", "product type", "genre", "type de produit", "тип", "вид"),
                text=lambda product: str(product.get_kind_display()),
            ),
            Field(
                "sku",
                gettext_lazy("SKU"),
                names=(
                    *("sku", "article number", "item code", "product code", "code", "reference"),
                    *("référence", "code article", "артикул", "код товара", "код"),
                ),
                text=lambda product: product.sku,
            ),
            Field(
                "description",
                gettext_lazy("Description"),
                names=("description", "details", "détails", "описание"),
                text=lambda product: product.description,
            ),
            Field(
                "unit",
                gettext_lazy("Unit"),
                names=("unit", "uom", "unit of measure", "unité", "unité de mesure", "единица", "ед. изм.", "ед изм"),
                text=lambda product: product.unit,
            ),
            Field(
                "tax",
                gettext_lazy("Tax"),
                names=(
                    "tax",
                    "vat",
                    "tax rate",
                    "vat rate",
                    "tva",
                    "taxe",
                    "taux de tva",
                    "ндс",
                    "налог",
                    "ставка ндс",
                ),
                text=lambda product: product.tax.name if product.tax else "",
            ),
            Field(
                "price",
                gettext_lazy("Price"),
                names=("price", "unit price", "sale price", "prix", "prix unitaire", "prix de vente", "цена"),
                text=_default_price,
            ),
            Field(
                "archived",
                gettext_lazy("Archived"),
                names=("archived", "inactive", "archivé", "inactif", "в архиве", "архив"),
                text=lambda product: yes_no(product.archived),
            ),
        ]

    def extra_labels(self, labels: dict[str, str]) -> dict[str, str]:
        return {"unit_price": labels["price"]}

    # Checking and saving

    def _known(self, context: Context, rows: list[Row]) -> dict[str, dict[str, Product]]:
        """The products the batch's rows may match, by folded SKU and by old id: two queries per batch."""
        visible = policy.visible(context.actor, Product.objects.select_related("tax"))
        skus = {row.first("sku").strip().lower() for row in rows} - {""}
        by_sku = {}
        if skus:
            by_sku = {product.sku.lower(): product for product in visible.alias(low=Lower("sku")).filter(low__in=skus)}
        keyed = keyed_ids(self.key, (row.first("external_id").strip() for row in rows))
        found = visible.in_bulk(set(keyed.values())) if keyed else {}
        by_key = {key: found[pk] for key, pk in keyed.items() if pk in found}
        return {"sku": by_sku, "external_id": by_key}

    def _match(self, context: Context, row: Row, known: dict) -> tuple[Product | int | None, str]:
        """The product a row names (or the placeholder id of one an earlier row of a dry run makes), and by what."""
        # The SKU always: it is unique, so a row with a SKU in use can only be that product.
        for key in ["sku", *match_keys(context, ["external_id"])]:
            text = row.first(key).strip()
            text = text.lower() if key == "sku" else text
            if not text:
                continue
            made = context.created.get((key, text))
            if made is not None:
                return (made if made < 0 else Product.objects.select_related("tax").get(pk=made)), key
            if text in known[key]:
                return known[key][text], key
        return None, ""

    def _row(self, context: Context, row: Row, known: dict, keys: list, *, writing: bool) -> Outcome:
        found, matched_by = self._match(context, row, known)
        shown = raw_shown(self.fields(), row)
        duplicates = context.options.duplicates
        if found is not None and duplicates == "skip":
            name = found if isinstance(found, Product) else row.first("name") or row.first("sku")
            message = skipped_message(name, self.match_keys[matched_by])
            object_id = found.pk if isinstance(found, Product) else found
            return Outcome(row.number, ImportRow.Outcome.SKIPPED, object_id=object_id, message=message, shown=shown)
        if found is not None and duplicates == "update":
            return self._update(context, row, found, shown, keys, writing=writing)
        if found is not None and matched_by == "sku":
            sku = row.first("sku").strip()
            raise Invalid(errors={"sku": [_("Another product already has the SKU “%(sku)s”.") % {"sku": sku}]})
        return self._create(context, row, shown, keys, writing=writing)

    def _read(
        self, context: Context, row: Row, product: Product | None
    ) -> tuple[dict, Decimal | None, PriceList | None]:
        """The row's values as the catalogue services take them, its price and the list it goes in.

        Invalid with every field's message at once; cells left empty are left out.
        """
        values: dict = {}
        errors: dict = {}

        def read(key: str, reader) -> None:
            text = row.first(key)
            if text.strip():
                try:
                    values[key] = reader(text)
                except Invalid as refused:
                    errors.update(refused.errors)

        for key in TEXTS:
            read(key, lambda text, key=key: text_within(text, Product, key, key, lines=key == "description"))
        read("kind", lambda text: find_choice(context, Product.Kind, text, "kind"))
        read("tax", lambda text: find_tax(context, text, current=product.tax if product else None))
        read("archived", lambda text: flag(text, "archived"))
        read("price", lambda text: number(context, text, "price"))
        if product is None and not values.get("name"):
            errors["name"] = [_("Give the product a name.")]
        price, price_list = values.pop("price", None), None
        if price is not None and "price" not in errors:
            if "default price list" not in context.cache:
                context.cache["default price list"] = default_price_list()
            price_list = context.cache["default price list"]
            if price_list is None:
                errors["price"] = [_("There is no default price list to put the price in (Settings → Price lists).")]
            else:
                try:
                    price = parse_decimal(price, "price", digits=price_list.currency.digits, minimum=Decimal(0))
                except Invalid as refused:
                    errors.update(refused.errors)
        if errors:
            raise Invalid(errors=errors)
        return values, price, price_list

    def _shown(self, values: dict, price: Decimal | None, shown: dict) -> dict:
        """The row as it will be saved: the tax by name, the kind and the archived flag in words."""
        labels = self._labels()
        for key, value in values.items():
            if key == "kind":
                value = Product.Kind(value).label
            elif key == "archived":
                value = yes_no(value)
            shown[labels[key]] = str(value)
        if price is not None:
            shown[labels["price"]] = str(price)
        return shown

    def _allowed(self, context: Context, *actions: str) -> None:
        for action in actions:
            if not policy.can_in_module(context.actor, MODULE, action):
                raise NotAllowed()

    def _create(self, context: Context, row: Row, shown: dict, keys: list, *, writing: bool) -> Outcome:
        values, price, price_list = self._read(context, row, None)
        shown = self._shown(values, price, shown)
        needs_edit = price is not None or values.get("archived")
        self._allowed(context, Action.CREATE, *([Action.EDIT] if needs_edit else []))
        if not writing:
            object_id, stamp = context.next_placeholder(), ""
        else:
            archived = values.pop("archived", False)
            product = create_product(actor=context.actor, **values)
            if archived:
                update_product(actor=context.actor, product=product, archived=True)
            if price is not None and price_list is not None:
                set_price(actor=context.actor, price_list=price_list, product=product, unit_price=price)
            object_id, stamp = product.pk, stamp_of(product.updated_at)
        self._made(context, row, object_id, keys, writing=writing)
        return Outcome(row.number, ImportRow.Outcome.CREATED, object_id=object_id, stamp=stamp, shown=shown)

    def _update(self, context: Context, row: Row, found, shown: dict, keys: list, *, writing: bool) -> Outcome:
        product = found if isinstance(found, Product) else None
        if product is not None and writing:
            # Read again: an earlier row of the batch may have changed it, or been taken back.
            product = Product.objects.select_related("tax").get(pk=product.pk)
        values, price, price_list = self._read(context, row, product)
        shown = self._shown(values, price, shown)
        self._allowed(context, Action.EDIT)
        if product is None:  # a product an earlier row of this dry run makes
            return Outcome(row.number, ImportRow.Outcome.UPDATED, object_id=found, shown=shown)
        before = self._before(product, price_list if price is not None else None)
        if writing:
            if values:
                update_product(actor=context.actor, product=product, **values)
            if price is not None and price_list is not None:
                set_price(actor=context.actor, price_list=price_list, product=product, unit_price=price)
            self._made(context, row, product.pk, keys, writing=writing)
        return Outcome(
            row.number,
            ImportRow.Outcome.UPDATED,
            object_id=product.pk,
            stamp=stamp_of(product.updated_at),
            before=before,
            shown=shown,
        )

    def _made(self, context: Context, row: Row, object_id: int, keys: list, *, writing: bool) -> None:
        """Let later rows of the file find this product by its SKU too."""
        sku = row.first("sku").strip()
        if sku:
            context.created[("sku", sku.lower())] = object_id
        super()._made(context, row, object_id, keys, writing=writing)

    @staticmethod
    def _before(product: Product, price_list: PriceList | None) -> dict:
        """What an update replaces, as `undo` puts it back: every field, and the price when the row sets one."""
        before = {
            "kind": product.kind,
            "sku": product.sku,
            "name": product.name,
            "description": product.description,
            "unit": product.unit,
            "tax": product.tax_id,
            "archived": product.archived,
        }
        if price_list is not None:
            price = Price.objects.filter(price_list=price_list, product=product).values_list("unit_price", flat=True)
            old = price.first()
            before["price_list"] = price_list.pk
            before["price"] = None if old is None else str(old)
        return before

    # Undoing

    def moved(self, ids_and_stamps) -> set[int]:
        stamps = dict(ids_and_stamps)
        now = dict(Product.objects.filter(pk__in=list(stamps)).values_list("pk", "updated_at"))
        return {pk for pk, stamp in stamps.items() if pk not in now or stamp_of(now[pk]) != stamp}

    @transaction.atomic
    def undo(self, actor, created: list[int], updated: list[tuple[int, dict]]) -> None:
        """Delete the products the import made and put back the values (and prices) it replaced.

        Products are otherwise archived, never deleted: one that deal or document lines took
        since the import stays, and the undo is refused naming it.
        """
        products = list(Product.objects.filter(pk__in=created))
        if products:
            policy.require_in_module(actor, MODULE, Action.DELETE)
            ids = [product.pk for product in products]
            used = set(DealLine.objects.filter(product_id__in=ids).values_list("product_id", flat=True))
            used |= set(DocumentLine.objects.filter(product_id__in=ids).values_list("product_id", flat=True))
            if used:
                names = ", ".join(f"“{product}”" for product in products if product.pk in used)
                raise Conflict(
                    _("Deals or documents use these products since the import: %(names)s. Archive them instead.")
                    % {"names": names}
                )
            for product in products:
                before = audit.snapshot(product, PRODUCT_FIELDS)
                audit.record(actor, audit.Verb.DELETE, product, changes=audit.diff(before, dict.fromkeys(before)))
            Product.objects.filter(pk__in=ids).delete()
            forget_keys(self.key, ids)
        for pk, before in updated:
            changed = Product.objects.select_related("tax").filter(pk=pk).first()
            if changed is not None:
                self._restore(actor, changed, before)

    @staticmethod
    def _restore(actor, product: Product, before: dict) -> None:
        changes = {name: value for name, value in before.items() if name in PRODUCT_CHANGES}
        if "tax" in changes:
            changes["tax"] = Tax.objects.filter(pk=changes["tax"]).first() if changes["tax"] else None
        try:
            update_product(actor=actor, product=product, **changes)
            price_list = PriceList.objects.filter(pk=before.get("price_list") or 0).first()
            if price_list is None:
                return
            if before.get("price") is not None:
                set_price(actor=actor, price_list=price_list, product=product, unit_price=before["price"])
            elif Price.objects.filter(price_list=price_list, product=product).exists():
                remove_price(actor=actor, price_list=price_list, product=product)
        except DomainError as refused:
            message = _("“%(record)s” cannot be put back as it was: %(reason)s")
            raise Conflict(message % {"record": product, "reason": refusal(refused, {})}) from None
