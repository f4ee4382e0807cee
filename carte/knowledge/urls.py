from carte.knowledge.views import articles, onboarding, setup

app_name = "knowledge"

# Each part of the app keeps its own routes next to its views.
urlpatterns = [*articles.urlpatterns, *onboarding.urlpatterns, *setup.urlpatterns]
