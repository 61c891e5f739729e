"""A person's saved views of the recommendations list: a name and the list's filters."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

NAME_MAX_LENGTH = 80
QUERY_MAX_LENGTH = 2000
MAX_PER_PERSON = 50


class SavedSearch(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    query = models.CharField(
        max_length=QUERY_MAX_LENGTH,
        blank=True,
        help_text="The list's filters as a query string, without the page number",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["owner", Lower("name")]
        verbose_name = "saved view"
        constraints = [
            # One name per person, whatever its case: "Glos overdue" and "glos overdue"
            # would be the same view to the person.
            models.UniqueConstraint("owner", Lower("name"), name="saved_search_name_unique"),
            models.CheckConstraint(
                condition=models.Q(name__regex=r"\S"), name="saved_search_name_not_blank"
            ),
            models.CheckConstraint(
                condition=models.Q(name__regex=r"^[^\x01-\x1f\x7f]*$"),
                name="saved_search_name_no_control_characters",
            ),
        ]

    def __str__(self) -> str:
        return self.name
