from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


def _names(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


class ProfileForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=300)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    phone = forms.CharField(label=_("Phone (optional; shared only when you agree, after an accepted offer)"),
                            required=False, max_length=30)
    budget_min = forms.IntegerField(label=_("Budget from (NOK)"), min_value=0, required=False)
    budget_max = forms.IntegerField(label=_("Budget to (NOK)"), min_value=0, required=False)
    locations = forms.CharField(label=_("Locations (comma-separated)"), required=False, max_length=2000)
    property_type = forms.CharField(label=_("Property type"), required=False, max_length=50)
    amenities = forms.CharField(label=_("Amenities (comma-separated)"), required=False, max_length=2000)

    @classmethod
    def for_user(cls, user, data=None):
        prefs = user.preferences or {}
        budget = prefs.get("budget") or {}
        return cls(data, initial={
            "name": user.name, "language": user.language, "phone": user.phone,
            "budget_min": budget.get("min"), "budget_max": budget.get("max"),
            "locations": ", ".join(prefs.get("locations") or []),
            "property_type": prefs.get("property_type") or "",
            "amenities": ", ".join(prefs.get("amenities") or []),
        })

    def preferences(self) -> dict:
        data = self.cleaned_data
        return {"budget": {"min": data.get("budget_min"), "max": data.get("budget_max")},
                "locations": _names(data.get("locations") or ""),
                "property_type": data.get("property_type") or None,
                "amenities": _names(data.get("amenities") or "")}


class EmailForm(forms.Form):
    email = forms.EmailField(label=_("E-mail for alerts"))


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100)


class DeleteAccountForm(forms.Form):
    confirm = forms.BooleanField(label=_("I understand that my account and personal data are deleted for good."))
