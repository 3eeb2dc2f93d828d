"""posewarper's tests: a package, so that ``tests.helpers`` is importable from every test module
(pytest puts the repository root on ``sys.path``: the first folder above a test module without an
``__init__.py``). Keep it free of imports: training processes launched by the tests import
``tests.helpers.tiny_training`` through their configs' ``custom_imports``."""
