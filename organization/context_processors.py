from .roles import Role
from .selectors import municipality_name, roles_of


def municipality(request):
    user = getattr(request, "user", None)
    labels = []
    if user is not None and user.is_authenticated:
        labels = [Role(code).label for code in sorted(roles_of(user)) if code in Role.values]
    return {"municipality_name": municipality_name, "user_role_labels": labels}
