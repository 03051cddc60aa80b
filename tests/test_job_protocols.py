"""Every job, real or fixed (the tests' stand-ins), has its kind's methods with the protocol's
parameters, so a screen can be handed either."""

import inspect

import pytest
from lmviz.app.jobs.base import Job, SequenceJob, StepJob
from lmviz.app.jobs.explorer import ExplorerJob
from lmviz.app.jobs.grokking import GrokJob
from lmviz.app.jobs.inspecting import InspectJob
from lmviz.app.jobs.pretraining import PretrainJob
from lmviz.app.jobs.scaling import LiveRaceJob
from lmviz.app.jobs.tour import TourJob
from lmviz.app.jobs.training import LearnJob, TrainingJob

from .fixed_inspect import FixedInspectJob
from .fixed_job import FixedJob
from .fixed_tour import FixedLiveJob


def protocol_methods(protocol) -> dict[str, inspect.Signature]:
    return {name: inspect.signature(fn) for name, fn in vars(protocol).items()
            if callable(fn) and not name.startswith("_")}


@pytest.mark.parametrize("cls, protocol", [
    (ExplorerJob, SequenceJob), (FixedJob, SequenceJob), (TourJob, StepJob),
    (TrainingJob, Job), (LearnJob, Job), (GrokJob, Job), (InspectJob, Job), (PretrainJob, Job),
    (LiveRaceJob, Job), (FixedInspectJob, Job), (FixedLiveJob, Job),
], ids=lambda x: getattr(x, "__name__", str(x)))
def test_each_job_has_its_protocols_methods_and_parameters(cls, protocol):
    wanted = protocol_methods(protocol)
    assert wanted
    for name, signature in wanted.items():
        method = getattr(cls, name, None)
        assert callable(method), f"{cls.__name__} has no {name}"
        have = inspect.signature(method).parameters
        for param in list(signature.parameters.values())[1:]:  # after self
            assert param.name in have, f"{cls.__name__}.{name} lacks {param.name}"
            if param.default is not inspect.Parameter.empty:  # optional there: optional here
                assert have[param.name].default is not inspect.Parameter.empty, (
                    f"{cls.__name__}.{name}'s {param.name} must be optional")
