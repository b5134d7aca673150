"""The office's planning pages: measures on a problem, milestones, bulk assignment."""

urlpatterns = []
