"""Offer pages: the offer form, my offers, received offers, one offer with its timeline, claims."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts import ratelimit
from epty.errors import ApplicationError

from . import selectors, services
from .filters import OfferFilter
from .forms import ClaimForm, OfferForm, OpennessForm, ReasonForm
from .models import NON_BINDING_NOTICE, Actor


def _form_errors(form, exc: Exception) -> None:
    if isinstance(exc, ApplicationError):
        form.add_error(None, exc.message)
    elif hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@login_required
def offer_new(request, property_id: int):
    prop = selectors.property_by_ref(property_id)
    form = OfferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            offer, created = services.offer_submit(
                buyer=request.user, property=prop, amount=values["offer_amount"], acr=request.session.get("bankid_acr"),
                message=values["message"], is_anonymous=values["is_anonymous"],
                reveal_identity_on_accept=values["reveal_identity_on_accept"], valid_days=values["valid_days"])
        except (ApplicationError, ValidationError) as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Your offer is sent. epty's staff check it before the owner sees it.")
                             if created else _("Your offer is revised and goes back to moderation."))
            return redirect("offers:detail", offer_id=offer.pk)
    return render(request, "offers/offer_form.html", {"property": prop, "form": form, "notice": NON_BINDING_NOTICE})


@login_required
def mine(request):
    offers = OfferFilter(request.GET, queryset=selectors.offers_for_buyer(user=request.user)).qs[:200]
    return render(request, "offers/mine.html", {"offers": offers, "notice": NON_BINDING_NOTICE})


@login_required
def received(request):
    offers = list(OfferFilter(request.GET, queryset=selectors.offers_for_owner(user=request.user)).qs[:200])
    reserves = selectors.reserves_by_property(property_ids={o.property_id for o in offers})
    rows = [{"offer": o, "buyer": selectors.buyer_for_owner(o),
             "meets_price": o.property_id in reserves and o.amount >= reserves[o.property_id]} for o in offers]
    return render(request, "offers/received.html", {"rows": rows, "notice": NON_BINDING_NOTICE})


@login_required
def detail(request, offer_id: int):
    offer, role = selectors.offer_for_viewer(user=request.user, offer_id=offer_id)
    is_owner = role == Actor.OWNER
    return render(request, "offers/detail.html", {
        "offer": offer, "role": role, "is_buyer": role == Actor.BUYER, "is_owner": is_owner,
        "buyer": selectors.buyer_for_owner(offer) if is_owner else None,
        # Owners only: the reserve and whether the offer meets it never reach a buyer's page.
        "meets_price": selectors.offer_meets_reserve(offer) if is_owner else False,
        "contacts": selectors.contact_state(offer=offer, role=role),
        "timeline": selectors.timeline(offer=offer), "notice": NON_BINDING_NOTICE, "reason_form": ReasonForm(),
    })


def _act(request, offer_id: int, action, done: str):
    offer, _role = selectors.offer_for_viewer(user=request.user, offer_id=offer_id)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        action(offer, reason)
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, exc.message if isinstance(exc, ApplicationError) else "; ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("offers:detail", offer_id=offer_id)


@login_required
@require_POST
def withdraw(request, offer_id: int):
    return _act(request, offer_id, lambda o, r: services.offer_withdraw(offer=o, buyer=request.user, reason=r),
                _("Your offer is withdrawn."))


@login_required
@require_POST
def accept(request, offer_id: int):
    return _act(request, offer_id, lambda o, r: services.offer_accept(offer=o, owner=request.user),
                _("You have accepted the offer. The buyer is told by e-mail."))


@login_required
@require_POST
def decline(request, offer_id: int):
    return _act(request, offer_id, lambda o, r: services.offer_decline(offer=o, owner=request.user, reason=r),
                _("You have declined the offer."))


def _rate_limited(request, scope: str, limit: int) -> bool:
    allowed, _retry = ratelimit.allow(scope, str(request.user.pk), limit=limit, window=3600)
    if not allowed:
        messages.error(request, _("Too many changes in a short time. Try again in an hour."))
    return not allowed


@login_required
@require_POST
def contacts(request, offer_id: int):
    """The buyer's or an owner's answer: share contact details with the other side of an accepted offer?"""
    offer, _role = selectors.offer_for_viewer(user=request.user, offer_id=offer_id)
    if _rate_limited(request, "offers-contacts", settings.OFFERS_PAGE_WRITES_PER_HOUR):
        return redirect("offers:detail", offer_id=offer_id)
    agree = request.POST.get("share") == "yes"
    try:
        offer = services.offer_contact_answer(offer=offer, user=request.user, agree=agree)
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, exc.message if isinstance(exc, ApplicationError) else "; ".join(exc.messages))
    else:
        if offer.contacts_shared_at is not None:
            messages.success(request, _("You both agreed: your contact details are shared with each other."))
        elif agree:
            messages.success(request, _("You agree to share your contact details. Nothing is shared until the other "
                                        "side agrees too."))
        else:
            messages.success(request, _("Your answer is saved."))
    return redirect("offers:detail", offer_id=offer_id)


@never_cache
@login_required
def owner_dashboard(request):
    """The owner's properties: estimate and its history, offers by state, saves and views, openness."""
    rows = selectors.owner_dashboard(user=request.user)
    for row in rows:
        openness = row["openness"]
        row["form"] = OpennessForm(auto_id=f"id_%s_{row['property'].pk}",  # one form per property on the page
                                   initial={"open_to_offers": openness is not None,
                                            "reserve": openness.reserve if openness else None})
    return render(request, "offers/owner_dashboard.html", {"rows": rows, "notice": NON_BINDING_NOTICE})


@login_required
@require_POST
def openness(request, property_id: int):
    """A verified owner opens the property to offers (with an optional private reserve) or closes it."""
    prop = selectors.property_by_ref(property_id)
    if not selectors.is_verified_owner(user=request.user, property_id=prop.pk):
        raise Http404
    if _rate_limited(request, "offers-openness", settings.OFFERS_PAGE_WRITES_PER_HOUR):
        return redirect("offers:owner")
    form = OpennessForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reserve price as a whole number of NOK above 0, or leave it empty."))
        return redirect("offers:owner")
    try:
        result = services.property_openness_set(property=prop, owner=request.user,
                                                open=form.cleaned_data["open_to_offers"],
                                                reserve=form.cleaned_data["reserve"])
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, exc.message if isinstance(exc, ApplicationError) else "; ".join(exc.messages))
    else:
        messages.success(request, _("%(property)s is open to offers.") % {"property": prop} if result
                         else _("%(property)s is not open to offers.") % {"property": prop})
    return redirect(f"{reverse('offers:owner')}#property-{prop.pk}")


@login_required
def claim_new(request, property_id: int):
    prop = selectors.property_by_ref(property_id)
    form = ClaimForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.claim_submit(user=request.user, property=prop, statement=form.cleaned_data["statement"],
                                  document=form.cleaned_data.get("document"))
        except (ApplicationError, ValidationError) as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Your claim is sent. epty's staff will check it."))
            return redirect("offers:claims")
    return render(request, "offers/claim_form.html", {"property": prop, "form": form})


@login_required
def claims(request):
    return render(request, "offers/claims.html", {"claims": selectors.claims_for_user(user=request.user)[:200]})


@never_cache
@require_GET
@login_required
def claim_document(request, name: str):
    """A claim's document, to its claimant and moderators only, as a download of the type it was stored as."""
    claim = selectors.claim_by_document(user=request.user, name=name)
    response = FileResponse(claim.document.open("rb"), as_attachment=True,
                            filename=f"claim-{claim.pk}.{(claim.document.name or '').rsplit('.', 1)[-1]}",
                            content_type=claim.document_content_type or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    return response
