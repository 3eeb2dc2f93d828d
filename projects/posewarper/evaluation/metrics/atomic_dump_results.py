"""mmengine's ``DumpResults`` (``tools/test.py --dump``), committed atomically."""
from typing import Dict

from mmengine.evaluator.metric import DumpResults
from mmengine.fileio import dump
from mmengine.logging import print_log
from mmpose.registry import METRICS

from ...fileio import atomic_output


@METRICS.register_module()
class AtomicDumpResults(DumpResults):
    """Dump the predictions to a pickle file written beside it and renamed into place.

    mmengine's ``DumpResults`` writes the file in place, so a test interrupted while dumping
    (or two tests dumping to one file) left a truncated pickle where the previous dump was. The
    arguments are ``DumpResults``'s: ``out_file_path`` (``.pkl`` or ``.pickle``),
    ``collect_device``, ``collect_dir``.
    """

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Dump ``results`` (the predictions of every batch); no metric."""
        with atomic_output(self.out_file_path) as tmp:  # keeps the extension: pickle by it
            dump(results, tmp)
        print_log(f'Results have been saved to {self.out_file_path}.', logger='current')
        return {}
