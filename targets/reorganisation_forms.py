"""The office's forms for reorganisation events and for the quotas they redistribute.

Each event form reads the decision (number, date, issuing body, effective day)
and the units concerned, chosen among the units the office may reorganise;
`arguments()` hands targets.services.reorganisation exactly what its
operation takes. The rules themselves (same parent, active on the day, …)
are the service's: its refusals are shown under the inputs they name.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from config.forms import DATE_ERRORS, CountField, RefusalForm
from units.models import ReorgEvent, Unit
from units.services import Decision, NewUnit

Kind = ReorgEvent.Kind
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SPLIT_PARTS = 3  # a split into more parts is recorded as a split, then another


class UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, unit):
        return f"{unit.name} ({unit.code})"


class UnitsChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, unit):
        return f"{unit.name} ({unit.code})"


class DecisionForm(RefusalForm):
    """The decision every event is tied to."""

    decision_number = forms.CharField(
        label=_("Số quyết định"), max_length=40, help_text=_("Ví dụ: 1337-QĐ/TU")
    )
    decision_date = forms.DateField(
        label=_("Ngày ký quyết định"), widget=DATE_WIDGET, error_messages=DATE_ERRORS
    )
    issuing_body = forms.CharField(
        label=_("Cơ quan ban hành"), max_length=255, help_text=_("Ví dụ: Tỉnh ủy Bình Dương")
    )
    effective_on = forms.DateField(
        label=_("Ngày có hiệu lực"),
        widget=DATE_WIDGET,
        error_messages=DATE_ERRORS,
        help_text=_("Đơn vị cũ hoạt động đến hết ngày trước ngày này."),
    )
    note = forms.CharField(label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.units = units if units is not None else Unit.objects.none()
        # The units concerned come first, the decision after them.
        order = [n for n in self.fields if n not in DecisionForm.base_fields] + list(DecisionForm.base_fields)
        self.order_fields(order)

    def decision(self) -> Decision:
        data = self.cleaned_data
        return Decision(
            number=data["decision_number"],
            signed_on=data["decision_date"],
            issuing_body=data["issuing_body"],
            effective_on=data["effective_on"],
            note=data.get("note", ""),
        )

    def arguments(self) -> dict:
        raise NotImplementedError


def _new_unit_fields(prefix: str = "", required: bool = True) -> dict:
    return {
        f"{prefix}code": forms.SlugField(
            label=_("Mã đơn vị mới"),
            max_length=60,
            required=required,
            help_text=_("Chữ thường không dấu, chữ số, dấu gạch ngang; ví dụ: khoi-cq"),
        ),
        f"{prefix}name": forms.CharField(label=_("Tên đơn vị mới"), max_length=255, required=required),
    }


class TransferForm(DecisionForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoice(self.units.filter(depth__gt=1), label=_("Đơn vị điều chuyển"))
        self.fields["new_parent"] = UnitChoice(self.units, label=_("Chuyển về trực thuộc"))
        self.order_fields(["unit", "new_parent"])

    def arguments(self) -> dict:
        data = self.cleaned_data
        return {"unit": data["unit"], "new_parent": data["new_parent"], "decision": self.decision()}


class EndForm(DecisionForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoice(self.units, label=_("Đơn vị giải thể, kết thúc hoạt động"))
        self.order_fields(["unit"])

    def arguments(self) -> dict:
        return {"unit": self.cleaned_data["unit"], "decision": self.decision()}


class MergeForm(DecisionForm):
    """Hợp nhất: the units end, a new unit continues them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"] = UnitsChoice(
            self.units,
            label=_("Các đơn vị hợp nhất"),
            help_text=_(
                "Giữ Ctrl (hoặc ⌘) để chọn nhiều đơn vị; các đơn vị phải cùng trực thuộc một cấp trên."
            ),
            widget=forms.SelectMultiple(attrs={"size": 8}),
        )
        self.fields.update(_new_unit_fields())
        self.fields["kind"] = forms.ChoiceField(label=_("Loại hình đơn vị mới"), choices=Unit.Kind.choices)
        self.order_fields(["units", "code", "name", "kind"])

    def arguments(self) -> dict:
        data = self.cleaned_data
        units = list(data["units"])
        into = NewUnit(
            code=data["code"],
            name=data["name"],
            kind=data["kind"],
            sector=units[0].sector if units and len({u.sector for u in units}) == 1 else "",
            members=0,
        )
        return {"units": units, "into": into, "decision": self.decision()}


class AbsorbForm(DecisionForm):
    """Sáp nhập: the units end, an existing unit continues them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"] = UnitsChoice(
            self.units,
            label=_("Các đơn vị sáp nhập"),
            help_text=_("Giữ Ctrl (hoặc ⌘) để chọn nhiều đơn vị."),
            widget=forms.SelectMultiple(attrs={"size": 8}),
        )
        self.fields["into"] = UnitChoice(self.units, label=_("Sáp nhập vào đơn vị"))
        self.order_fields(["units", "into"])

    def arguments(self) -> dict:
        data = self.cleaned_data
        return {"units": list(data["units"]), "into": data["into"], "decision": self.decision()}


class SplitForm(DecisionForm):
    """Chia tách: the unit ends, new units continue it; each of its active units below goes to one."""

    def __init__(self, *args, unit: Unit | None = None, children=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.split_unit = unit
        self.children = list(children)
        self.fields["unit"] = UnitChoice(self.units, label=_("Đơn vị chia tách"))
        if unit is not None:
            self.fields["unit"].initial = unit.pk
            self.fields["unit"].widget = forms.HiddenInput()
        for n in range(1, SPLIT_PARTS + 1):
            for name, fld in _new_unit_fields(f"part{n}_", required=n <= 2).items():
                fld.label = f"{fld.label} {n}"
                self.fields[name] = fld
        choices = [("", "—")] + [
            (str(n), _("Đơn vị mới %(n)s") % {"n": n}) for n in range(1, SPLIT_PARTS + 1)
        ]
        for child in self.children:
            self.fields[f"child_{child.pk}"] = forms.ChoiceField(
                label=f"{child.name} ({child.code})", choices=choices, required=True
            )
        self.order_fields(
            ["unit"] + [f"part{n}_{f}" for n in range(1, SPLIT_PARTS + 1) for f in ("code", "name")]
        )

    @property
    def unit_choices(self):
        """The units that may be split: those with units below them come first."""
        return self.units.order_by("path")

    def part_fields(self):
        return [(self[f"part{n}_code"], self[f"part{n}_name"]) for n in range(1, SPLIT_PARTS + 1)]

    def child_fields(self):
        return [self[f"child_{c.pk}"] for c in self.children]

    def arguments(self) -> dict:
        data = self.cleaned_data
        unit = data["unit"]
        parts, codes = [], {}
        for n in range(1, SPLIT_PARTS + 1):
            code, name = data.get(f"part{n}_code"), data.get(f"part{n}_name")
            if code or name:
                parts.append(NewUnit(code=code or "", name=name or "", kind=unit.kind, sector=unit.sector))
                codes[str(n)] = code
        children = {c.pk: codes.get(data.get(f"child_{c.pk}"), "") for c in self.children}
        return {"unit": unit, "parts": parts, "children": children, "decision": self.decision()}


class CreateForm(DecisionForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"] = UnitChoice(self.units, label=_("Trực thuộc"))
        self.fields.update(_new_unit_fields())
        self.fields["kind"] = forms.ChoiceField(label=_("Loại hình"), choices=Unit.Kind.choices)
        self.fields["sector"] = forms.ChoiceField(
            label=_("Khối/ngành"), choices=[("", "—"), *Unit.Sector.choices], required=False
        )
        self.fields["members"] = CountField(label=_("Số đảng viên"), required=False)
        self.order_fields(["parent", "code", "name", "kind", "sector", "members"])

    def arguments(self) -> dict:
        data = self.cleaned_data
        spec = NewUnit(
            code=data["code"],
            name=data["name"],
            kind=data["kind"],
            sector=data.get("sector") or "",
            members=data.get("members") or 0,
        )
        return {"spec": spec, "parent": data["parent"], "decision": self.decision()}


FORMS = {
    Kind.TRANSFER: TransferForm,
    Kind.MERGE: MergeForm,
    Kind.ABSORB: AbsorbForm,
    Kind.SPLIT: SplitForm,
    Kind.END: EndForm,
    Kind.CREATE: CreateForm,
}


class QuotaForm(RefusalForm):
    """Old and new quotas side by side: one input per (target, unit that continues), a reason when a
    new total differs from the old one."""

    reason = forms.CharField(
        label=_("Lý do chênh lệch"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Bắt buộc khi tổng chỉ tiêu mới khác tổng chỉ tiêu cũ (ví dụ: theo quyết định giao lại)."
        ),
    )

    def __init__(self, *args, lines=(), successors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lines, self.successors = list(lines), list(successors)
        for line in self.lines:
            for unit in self.successors:
                self.fields[f"q-{line.target.pk}-{unit.code}"] = CountField(
                    label=f"{line.target.code} · {unit.display_name}",
                    initial=line.after.get(unit.code, 0),
                )
        if self.lines and any(line.reason for line in self.lines):
            self.fields["reason"].initial = next(line.reason for line in self.lines if line.reason)

    def rows(self):
        """(line, [bound fields of the successors]) for the side-by-side table."""
        return [
            (line, [self[f"q-{line.target.pk}-{u.code}"] for u in self.successors]) for line in self.lines
        ]

    def values(self) -> dict[tuple[int, str], int]:
        return {
            (line.target.pk, u.code): self.cleaned_data.get(f"q-{line.target.pk}-{u.code}")
            for line in self.lines
            for u in self.successors
        }


class CongressChoice(forms.ModelChoiceField):
    def label_from_instance(self, congress):
        return f"{congress.organisation_name} · {_('nhiệm kỳ')} {congress.term_label}"


class TermForm(RefusalForm):
    """A new congress and term for a committee, its resolution copied from a previous term or not."""

    ordinal = forms.IntegerField(label=_("Đại hội lần thứ"), min_value=1, max_value=99)
    organisation_name = forms.CharField(
        label=_("Tên đảng bộ"), max_length=255, required=False, help_text=_("Để trống: tên đơn vị.")
    )
    term_start_year = forms.IntegerField(label=_("Nhiệm kỳ từ năm"), min_value=1930, max_value=2100)
    term_end_year = forms.IntegerField(label=_("Nhiệm kỳ đến năm"), min_value=1930, max_value=2100)
    held_from = forms.DateField(label=_("Họp từ ngày"), widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    held_to = forms.DateField(label=_("Họp đến ngày"), widget=DATE_WIDGET, error_messages=DATE_ERRORS)
    resolution_title = forms.CharField(label=_("Tên nghị quyết đại hội"), max_length=400)
    delegates = CountField(label=_("Số đại biểu"), required=False)
    members_represented = CountField(label=_("Số đảng viên đại diện"), required=False)
    grassroots_organisations = CountField(label=_("Số tổ chức cơ sở đảng"), required=False)

    def __init__(self, *args, units=None, congresses=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoice(units, label=_("Đảng bộ (cấp ủy) tổ chức đại hội"))
        self.fields["copy_from"] = CongressChoice(
            congresses,
            label=_("Sao chép nghị quyết và chỉ tiêu từ nhiệm kỳ"),
            required=False,
            empty_label=_("Không sao chép (nhập mới)"),
            help_text=_(
                "Phương hướng, chương trình hành động và chỉ tiêu của nhiệm kỳ trước làm điểm xuất phát; "
                "chỉ tiêu giao đơn vị không sao chép."
            ),
        )
        self.order_fields(["unit", "ordinal", "organisation_name"])

    def spec(self):
        from targets.services.terms import NewTerm

        data = self.cleaned_data
        return NewTerm(
            unit=data["unit"],
            ordinal=data["ordinal"],
            organisation_name=data.get("organisation_name") or "",
            term_start_year=data["term_start_year"],
            term_end_year=data["term_end_year"],
            held_from=data["held_from"],
            held_to=data["held_to"],
            resolution_title=data["resolution_title"],
            delegates=data.get("delegates"),
            members_represented=data.get("members_represented"),
            grassroots_organisations=data.get("grassroots_organisations"),
        )
