from tests.campaigns.scene import scene, today  # noqa: F401  (fixtures)
