"""What a change to a request hands to the apps above workflows.

A transition (workflows.services, workflows.scheduling) does, inside its own transaction,
work that belongs to apps that sit above workflows (see "Layers" in docs/ARCHITECTURE.md):

- the viewflow bookkeeping: check who holds the open task, then complete it, start or
  cancel the process (approvals.services: `check_task_owner`, `advance`);
- the frozen document version of what was sent, approved or published
  (documents.services.record_version);
- the notifications of the people concerned (notifications.services.notify_transition),
  and the task notification a dropped schedule sends the publicador.

workflows may not import those apps, so it calls the hooks below, and each app registers
its implementation in its AppConfig.ready(). Calling a hook is calling the implementation:
same arguments, same transaction, same order, same exceptions. A hook nobody registered
(its app is not installed) raises ImproperlyConfigured instead of silently skipping the
task, the version or the notifications.

`DocumentVersion` is read by label (apps.get_model) when first used, like a string model
reference: the transition reads the latest version number under its lock.
"""

from collections.abc import Callable
from types import SimpleNamespace

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured


class Hook:
    """One function a request's change calls; an app above workflows implements it."""

    def __init__(self, name: str, provider: str):
        self.name = name
        self.provider = provider
        self.implementation: Callable | None = None

    def register(self, implementation: Callable) -> None:
        self.implementation = implementation

    def __call__(self, *args, **kwargs):
        if self.implementation is None:
            raise ImproperlyConfigured(
                f"workflows.hooks.{self.name} has no implementation: the {self.provider} app registers it "
                "in its AppConfig.ready(); is it in INSTALLED_APPS?"
            )
        return self.implementation(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<Hook {self.name} ({self.provider}): {self.implementation!r}>"


class LazyModel:
    """A model of an app above workflows, looked up by its label when it is used."""

    def __init__(self, label: str):
        self.label = label

    def __getattr__(self, name: str):
        return getattr(apps.get_model(self.label), name)


# approvals (viewflow): called as flow_sync.check_task_owner(...), flow_sync.advance(...).
flow_sync = SimpleNamespace(
    check_task_owner=Hook("flow_sync.check_task_owner", "approvals"),
    advance=Hook("flow_sync.advance", "approvals"),
)
# documents
record_version = Hook("record_version", "documents")
DocumentVersion = LazyModel("documents.DocumentVersion")
# notifications
notify_transition = Hook("notify_transition", "notifications")
# notify_task(recipient, material_request, message): a "task assigned" notification to one person.
notify_task = Hook("notify_task", "notifications")
