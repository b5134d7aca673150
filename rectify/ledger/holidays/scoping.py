"""Who may enter the holiday calendar: staff, and anyone who is the office of a campaign.

The calendar is one for all campaigns (deadlines of every campaign count with it), so the
right is not tied to one campaign. Everyone signed in may read it.
"""

from rectify.orgs.access import SYSTEM, is_active_user
from rectify.orgs.choices import Role
from rectify.orgs.models import Membership


def may_read_calendar(user) -> bool:
    return user is SYSTEM or is_active_user(user)


def may_edit_calendar(user) -> bool:
    """Staff and superusers, and the office (整改办) of any campaign; cached on the user
    object for the request."""
    if user is SYSTEM:
        return True
    if not is_active_user(user):
        return False
    if user.is_staff or user.is_superuser:
        return True
    if "_rectify_calendar_editor" not in user.__dict__:
        user.__dict__["_rectify_calendar_editor"] = Membership.objects.filter(
            user=user, role=Role.OFFICE
        ).exists()
    return user.__dict__["_rectify_calendar_editor"]
