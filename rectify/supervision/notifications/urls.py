"""The pages of notifications and 催办 (a package of its own, so these patterns do not collide
with supervision/urls.py's campaign pages; the lead may fold them in).

`urlpatterns`: a person's own notifications, not a campaign's (one list across campaigns).
`campaign_urlpatterns`: included under the campaign's prefix c/<slug>/ (rectify/urls.py).
"""

from django.urls import path

from rectify.supervision.views import notifications, urging

urlpatterns = [
    path("notifications/", notifications.notification_list, name="notifications"),
    path(
        "notifications/<int:pk>/open/",
        notifications.notification_open,
        name="notification-open",
    ),
    path(
        "notifications/read-all/",
        notifications.notifications_read_all,
        name="notifications-read-all",
    ),
    path(
        "notifications/delivery/",
        notifications.notification_delivery,
        name="notification-delivery",
    ),
]

campaign_urlpatterns = [
    path("measures/<int:pk>/urge/", urging.measure_urge, name="measure-urge"),
]
