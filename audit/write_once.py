"""Records written once and never changed: the audit log, document versions.

An integrity guard at the model layer (PostgreSQL triggers add one below it): save() of
an existing row, delete(), and queryset update()/delete() all raise."""

from django.db import models


class WriteOnceQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise self.model.write_once_error(self.model.refused_change)

    def delete(self):
        raise self.model.write_once_error(self.model.refused_deletion)


class WriteOnceModel(models.Model):
    write_once_error: type[Exception] = Exception
    refused_change = "Este registro no admite modificaciones."
    refused_deletion = "Este registro no admite eliminaciones."

    objects = WriteOnceQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise self.write_once_error(self.refused_change)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise self.write_once_error(self.refused_deletion)
