"""Crash safety, resuming and determinism of whole-file propagation."""
import json

import pytest

from posewarper.propagation import propagate_annotations
from tests.helpers.propagation import (TINY_STAGE2, Crash, files_under, load_json,
                                       pseudo_annotations, watch_video_parts)


def _run(tiny_data, out, method='copy', **kwargs):
    ckpt, extra = kwargs.pop('ckpt', None), {}
    if method == 'posewarper':
        extra = dict(config=str(TINY_STAGE2), checkpoint=str(ckpt))
    return propagate_annotations(
        str(tiny_data / 'annotations' / 'posetrack18_val.json'), str(out), method,
        data_root=str(tiny_data), label_interval=7, progress=False, **extra, **kwargs)


def test_resume_after_a_crash_skips_finished_videos(tiny_data, stage2_ckpt, tmp_path,
                                                    monkeypatch):
    clean = tmp_path / 'clean' / 'pw.json'
    _run(tiny_data, clean, 'posewarper', ckpt=stage2_ckpt, per_video_dir=str(clean.parent / 'v'))

    out = tmp_path / 'crash' / 'pw.json'
    parts = watch_video_parts(monkeypatch, crash_after=1)  # a crash once a video is cached
    with pytest.raises(Crash):
        _run(tiny_data, out, 'posewarper', ckpt=stage2_ckpt)
    done = list(parts.written)
    # no output yet; the finished video is cached, nothing else
    assert len(done) == 1
    assert files_under(out.parent) == ['pw.json.parts', f'pw.json.parts/{done[0]}.json']

    parts.written.clear()
    parts.crash_after = None
    summary = _run(tiny_data, out, 'posewarper', ckpt=stage2_ckpt,
                   per_video_dir=str(out.parent / 'v'))
    computed = parts.written
    assert summary['cached'] == 1 and done[0] not in computed and len(computed) == 1
    assert out.read_bytes() == clean.read_bytes()
    assert files_under(out.parent) == files_under(clean.parent)  # cache removed
    for name in files_under(clean.parent / 'v'):
        assert (out.parent / 'v' / name).read_bytes() == (clean.parent / 'v' / name).read_bytes()


def test_cached_videos_are_used_only_with_the_same_settings(tiny_data, tmp_path, monkeypatch):
    out = tmp_path / 'copy.json'
    parts = watch_video_parts(monkeypatch, crash_after=1)
    with pytest.raises(Crash):
        _run(tiny_data, out)
    part = out.parent / 'copy.json.parts' / f'{parts.written[0]}.json'
    cached = load_json(part)
    # a cached video is taken as it is: mark it to see it in the output
    cached['annotations'][0]['method'] = 'from-cache'
    part.write_text(json.dumps(cached))
    # the temporary file of a write a crash interrupted
    (part.parent / f'.{part.name}.k2j3h4.tmp.json').write_text('{"half')
    parts.crash_after = None
    summary = _run(tiny_data, out)
    assert summary['cached'] == 1
    assert 'from-cache' in out.read_text()
    assert not (out.parent / 'copy.json.parts').exists()

    # other settings (here max_offset) make the cached video stale: it is recomputed
    parts.written.clear()
    parts.crash_after = 1
    with pytest.raises(Crash):
        _run(tiny_data, out)
    part.write_text(json.dumps(dict(load_json(part), annotations=[])))
    summary = _run(tiny_data, out, max_offset=2)
    assert summary['cached'] == 0


@pytest.mark.parametrize('method', ['posewarper', 'farneback'])
def test_same_inputs_give_identical_bytes(tiny_data, stage2_ckpt, tmp_path, method):
    outs = []
    for run in ('a', 'b'):
        out = tmp_path / run / 'pseudo.json'
        _run(tiny_data, out, method, ckpt=stage2_ckpt, per_video_dir=str(tmp_path / run / 'v'))
        outs.append(out)
    assert outs[0].read_bytes() == outs[1].read_bytes()
    assert files_under(tmp_path / 'a') == files_under(tmp_path / 'b')
    for name in files_under(tmp_path / 'a' / 'v'):
        assert (tmp_path / 'a' / 'v' / name).read_bytes() == \
            (tmp_path / 'b' / 'v' / name).read_bytes()


def test_a_failure_before_any_video_is_cached_leaves_no_cache(tiny_data, tmp_path, monkeypatch):
    from posewarper.propagation import annotation_propagation as runner

    def fail(*args, **kwargs):
        raise ValueError('the first video failed')

    monkeypatch.setattr(runner, '_video_records', fail)
    out = tmp_path / 'out' / 'prop.json'
    with pytest.raises(ValueError, match='the first video failed'):
        _run(tiny_data, out)
    assert not (tmp_path / 'out' / 'prop.json.parts').exists()
    assert not out.exists()


def test_min_joint_score_drops_doubtful_joints(tiny_data, stage2_ckpt, tmp_path):
    _run(tiny_data, tmp_path / 'all.json', 'posewarper', ckpt=stage2_ckpt)
    every = pseudo_annotations(load_json(tmp_path / 'all.json'))
    scores = sorted(s for a in every for s in a['scores'] if s > 0)
    # about half of the joints go; halfway between two written (rounded) scores
    median = scores[len(scores) // 2]
    threshold = (median + min(s for s in scores if s > median)) / 2
    _run(tiny_data, tmp_path / 'kept.json', 'posewarper', ckpt=stage2_ckpt,
         min_joint_score=threshold)
    kept = pseudo_annotations(load_json(tmp_path / 'kept.json'))
    kept_scores = [s for a in kept for s in a['scores'] if s > 0]
    assert kept_scores and min(kept_scores) > threshold
    assert len(kept_scores) == sum(s > threshold for s in scores)
    for a in kept:  # a dropped joint is (0, 0, 0) with score 0; no pseudo-label is left empty
        assert any(a['scores'])
        for k, score in enumerate(a['scores']):
            if score == 0:
                assert a['keypoints'][3 * k:3 * k + 3] == [0, 0, 0]


def test_before_video_is_called_for_each_computed_video(tiny_data, tmp_path, monkeypatch):
    """The callback the tools fit torch's threads with runs once per video computed, not for
    the videos taken from the cache."""
    calls = []
    out = tmp_path / 'copy.json'
    parts = watch_video_parts(monkeypatch, crash_after=1)
    with pytest.raises(Crash):
        _run(tiny_data, out, before_video=lambda: calls.append('video'))
    assert calls == ['video']
    parts.crash_after, calls[:] = None, []
    summary = _run(tiny_data, out, before_video=lambda: calls.append('video'))
    assert len(calls) == summary['videos'] - summary['cached'] and summary['cached'] == 1
