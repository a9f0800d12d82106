from django.utils.functional import SimpleLazyObject

from .roles import Role
from .selectors import delegators_for, municipality_name, roles_of


def municipality(request):
    user = getattr(request, "user", None)
    labels, roles, delegators = [], frozenset(), []
    if user is not None and user.is_authenticated:
        roles = roles_of(user)
        labels = [Role(code).label for code in sorted(roles) if code in Role.values]
        delegators = delegators_for(user)
    return {
        # Read once per page however often the page names it (base.html does three times).
        "municipality_name": SimpleLazyObject(municipality_name),
        "user_role_labels": labels,
        "user_roles": roles,
        "acting_for": delegators,
    }
