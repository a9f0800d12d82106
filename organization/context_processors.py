from django.utils.functional import SimpleLazyObject

from .roles import Role
from .selectors import delegators_for, municipality_facts, roles_of


def municipality(request):
    user = getattr(request, "user", None)
    labels, roles, delegators = [], frozenset(), []
    if user is not None and user.is_authenticated:
        roles = roles_of(user)
        labels = [Role(code).label for code in sorted(roles) if code in Role.values]
        delegators = delegators_for(user)
    # Read once per page however often the page names it (base.html does three times), the
    # name and the coat of arms in the same query.
    facts = SimpleLazyObject(municipality_facts)
    return {
        "municipality_name": SimpleLazyObject(lambda: facts["name"]),
        "municipality_logo_url": SimpleLazyObject(lambda: facts["logo_url"]),
        "user_role_labels": labels,
        "user_roles": roles,
        "acting_for": delegators,
    }
