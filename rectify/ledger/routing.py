"""Routing suggestions (分办建议): the category and lead unit a new problem most likely gets, learnt
from the campaign's earlier decisions.

The training data are the campaign's problems whose category (or lead unit) someone set: their
title and description → that label, through textsim's Classifier. Nothing is stored and nothing
is applied here: the pages and the API show the suggestion and the office applies it with a
click (services.update_problem), so every decision stays a person's.

- Enough data: the Classifier's own rule (Classifier.train answers None below its minimum, or
  with fewer than two labels). Then there is no suggestion at all.
- Abstention: a prediction below the Classifier's DEFAULT_ABSTAIN confidence is no suggestion.
- Cache: one trained model per (campaign, target) in this process, reused while the campaign's
  labelled problems look unchanged (their count, latest updated_at, highest id and the sum of
  their labels), so a page view does not retrain. Every edit of a problem moves updated_at, so
  a new decision is learnt on the next view.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass

from django.db.models import Count, Max, Sum

from rectify.ledger.models import Category, Problem
from rectify.orgs.models import OrgUnit
from rectify.textsim.classify import Classifier

# What a suggestion may be for: the Problem field, and where its values come from.
TARGETS = ("category", "lead_unit")
CACHE_SIZE = 64


@dataclass(frozen=True)
class Suggestion:
    """One suggested value (a Category or an OrgUnit) with the model's confidence, 0..1."""

    field: str
    value: Category | OrgUnit
    confidence: float

    @property
    def percent(self) -> int:
        return round(self.confidence * 100)


@dataclass(frozen=True)
class Suggestions:
    """What to show for one problem: per target a suggestion or None, and whether the campaign
    had enough confirmed problems to learn that target at all."""

    category: Suggestion | None
    lead_unit: Suggestion | None
    trained: dict[str, bool]

    def __bool__(self) -> bool:
        return self.category is not None or self.lead_unit is not None

    @property
    def any_trained(self) -> bool:
        return any(self.trained.values())


def problem_text(title: str, description: str) -> str:
    return f"{title}\n{description}".strip()


_models: OrderedDict[tuple[int, str], tuple[tuple, Classifier | None]] = OrderedDict()
_lock = threading.Lock()


def _labelled(campaign, target: str):
    return Problem.objects.filter(campaign=campaign, **{f"{target}__isnull": False})


def classifier(campaign, target: str) -> Classifier | None:
    """The campaign's model for `target`, trained on its labelled problems; None when there
    are too few of them (the Classifier's rule)."""
    if target not in TARGETS:
        raise ValueError(target)
    labelled = _labelled(campaign, target)
    stamp = tuple(
        labelled.aggregate(
            n=Count("pk"), last=Max("updated_at"), top=Max("pk"), labels=Sum(f"{target}_id")
        ).values()
    )
    if stamp[0] < 2:
        return None  # fewer than two labels for certain: nothing to learn, nothing to train
    key = (campaign.pk, target)
    with _lock:
        cached = _models.get(key)
        if cached is not None and cached[0] == stamp:
            _models.move_to_end(key)
            return cached[1]
    rows = list(labelled.values_list("title", "description", f"{target}_id"))
    model = Classifier.train(
        [problem_text(title, description) for title, description, _label in rows],
        [str(label) for _t, _d, label in rows],
    )
    with _lock:
        _models[key] = (stamp, model)
        _models.move_to_end(key)
        while len(_models) > CACHE_SIZE:
            _models.popitem(last=False)
    return model


def suggest(campaign, *, title: str, description: str = "", skip=()) -> Suggestions:
    """Suggestions for a problem with this text; targets named in `skip` are not asked for
    (the problem already has them)."""
    text = problem_text(title, description)
    found: dict[str, Suggestion | None] = dict.fromkeys(TARGETS)
    trained: dict[str, bool] = {}
    for target in TARGETS:
        model = None if target in skip else classifier(campaign, target)
        trained[target] = model is not None
        if model is None or not text:
            continue
        [(label, confidence)] = model.predict([text])
        if label is None:
            continue
        value = _value(campaign, target, int(label))
        if value is not None:
            found[target] = Suggestion(target, value, float(confidence))
    return Suggestions(found["category"], found["lead_unit"], trained)


def suggest_for(problem: Problem) -> Suggestions:
    """Suggestions for an existing problem: only for what it lacks (category, lead unit)."""
    skip = [target for target in TARGETS if getattr(problem, f"{target}_id") is not None]
    return suggest(
        problem.campaign, title=problem.title, description=problem.description, skip=skip
    )


def _value(campaign, target: str, pk: int):
    """The suggested object, if it is still one the problem may take."""
    if target == "category":
        return Category.objects.filter(campaign=campaign, pk=pk).first()
    return OrgUnit.objects.subtree(campaign.org_unit).filter(pk=pk).first()
