app_name = "civic_calendar"

urlpatterns = []
