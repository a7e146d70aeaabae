"""The benchmarks serve nothing; an empty URLconf keeps them independent of the web layer."""

urlpatterns = []
