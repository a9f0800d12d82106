from django.contrib.staticfiles.apps import StaticFilesConfig


class ProjectStaticFilesConfig(StaticFilesConfig):
    # viewflow ships its font package's node_modules, whose CSS links files that are not
    # there: the hashed-manifest storage would abort collectstatic on them.
    ignore_patterns = [*StaticFilesConfig.ignore_patterns, "node_modules"]
