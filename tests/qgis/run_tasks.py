"""Run wanmi algorithms as background ``QgsProcessingAlgRunnerTask``s in one headless QGIS process.

This is what a Processing dialog's Run does: the algorithm runs on a task-manager worker thread while the
main thread spins the event loop, and output layers are loaded into the project afterwards. Usage:
``python run_tasks.py RUNS.json ROUNDS REPORT.json`` with RUNS a list of ``[algorithm id, parameters]``.
One JSON line per run goes to REPORT; the process exits normally (a crash shows as a signal exit status).
"""

import faulthandler
import json
import sys
import time

faulthandler.enable(all_threads=True)

from qgis.core import (  # noqa: E402
    QgsApplication,
    QgsProcessingAlgRunnerTask,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProject,
)

RUN_TIMEOUT_S = 180


def run_one(app, alg, params: dict) -> dict:
    """One run as a task; returns ok, seconds, and the error the feedback reported."""
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    errors: list[str] = []

    class Feedback(QgsProcessingFeedback):
        def reportError(self, error, fatalError=False):  # noqa: N802, N803 (QGIS API)
            errors.append(error)

    feedback = Feedback()
    done: dict = {}
    task = QgsProcessingAlgRunnerTask(alg, params, context, feedback)
    task.executed.connect(lambda ok, results: done.update(ok=ok, results=sorted(results)))
    start = time.monotonic()
    QgsApplication.taskManager().addTask(task)
    while "ok" not in done and time.monotonic() - start < RUN_TIMEOUT_S:
        app.processEvents()
        time.sleep(0.005)
    return {"ok": bool(done.get("ok")), "s": round(time.monotonic() - start, 2), "errors": errors,
            "outputs": done.get("results", [])}


def main() -> int:
    runs_path, rounds, report_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    app = QgsApplication([], False)
    app.initQgis()
    from processing.core.Processing import Processing

    Processing.initialize()
    import wanmi

    plugin = wanmi.classFactory(None)
    plugin.initProcessing()
    registry = QgsApplication.processingRegistry()
    with open(runs_path, encoding="utf-8") as fh:
        runs = json.load(fh)
    with open(report_path, "w", encoding="utf-8") as report:
        for r in range(rounds):
            for alg_id, params in runs:
                alg = registry.algorithmById(alg_id)
                result = {"round": r, "alg": alg_id, "ok": False, "errors": ["not registered"]}
                if alg is not None:
                    result.update(run_one(app, alg, {k: v.replace("{round}", str(r)) for k, v in params.items()}))
                report.write(json.dumps(result, ensure_ascii=False) + "\n")
                report.flush()
    QgsProject.instance().clear()
    plugin.unload()
    app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main())
