"""The outputs of one inferencer input: its PoseTrack18 predictions and its rendered video."""
import logging
import os.path as osp
from typing import List, Optional, Tuple

import cv2
import numpy as np
from mmengine.logging import print_log
from mmpose.structures import PoseDataSample

from ...fileio import (AtomicFile, person_category, posetrack_document, prediction_record,
                       remove_stale_temp_files, write_json_atomic)


class VideoOutputs:
    """The PoseTrack18 json and the rendered video of one input, written atomically.

    Both appear only when :meth:`commit` is called after the whole input was processed: the
    video is written into a :class:`~posewarper.fileio.AtomicFile` and the
    json at the end; :meth:`close` drops what was not committed, so an error or an abandoned run
    leaves no partial output.

    The folders may be given later (:meth:`set_vis_out_dir`, :meth:`set_pred_out_dir`): MMPose's
    inferencers learn them only when they visualise and post-process the first frame.

    Args:
        name (str): Output name (``<name>.json``, ``<name>.mp4``).
        fps (float): Frame rate of the video.
        pred_out_dir (str): Folder of the json; empty: none.
        vis_out_dir (str): Folder (or ``.mp4`` file name) of the video; empty: none.
        keypoint_names (list[str]): Keypoint names of the model, for ``categories``.
    """

    def __init__(self, name: str, fps: float, pred_out_dir: str, vis_out_dir: str,
                 keypoint_names: List[str]) -> None:
        self.name = name
        self.json_path: Optional[str] = None
        self.video_path: Optional[str] = None
        self.set_pred_out_dir(pred_out_dir)
        self.set_vis_out_dir(vis_out_dir)
        self.fps = fps
        self.images: List[dict] = []
        self.annotations: List[dict] = []
        self.categories = [person_category(keypoint_names)]
        self._video: Optional[AtomicFile] = None
        self._writer: Optional[cv2.VideoWriter] = None
        self._size: Tuple[int, int] = (0, 0)

    def set_pred_out_dir(self, pred_out_dir: str) -> None:
        """Write the json into ``pred_out_dir`` (empty: no json)."""
        self.json_path = osp.join(pred_out_dir, f'{self.name}.json') if pred_out_dir else None

    def set_vis_out_dir(self, vis_out_dir: str) -> None:
        """Write the video into ``vis_out_dir``, a folder or an ``.mp4`` file name (empty: no
        video); only before the first frame is written."""
        if self._writer_started:
            return
        if vis_out_dir and osp.splitext(vis_out_dir)[1]:
            self.video_path = vis_out_dir  # a file name, as MMPose allows
        else:
            self.video_path = osp.join(vis_out_dir, f'{self.name}.mp4') if vis_out_dir else None

    @property
    def _writer_started(self) -> bool:
        return getattr(self, '_writer', None) is not None

    def add(self, frame_idx: int, name: str, shape: Tuple[int, int],
            sample: PoseDataSample) -> None:
        """Record the predictions of one frame (every frame gets an ``images`` entry)."""
        h, w = shape
        self.images.append(dict(id=frame_idx, file_name=name, frame_id=frame_idx, width=w,
                                height=h))
        inst = sample.pred_instances
        # track ids from the inferencer's tracker; without one, the index within the frame
        # (unique within the frame, as PoseTrack needs)
        track_ids = inst.track_ids if 'track_ids' in inst else np.arange(len(inst))
        for i in range(len(inst)):
            scores = np.asarray(inst.keypoint_scores[i], dtype=np.float64)
            x1, y1, x2, y2 = (float(v) for v in inst.bboxes[i][:4])
            self.annotations.append(prediction_record(
                frame_idx, inst.keypoints[i], scores, int(track_ids[i]),
                score=float(inst.bbox_scores[i]) * float(scores.mean()),
                bbox=[x1, y1, x2 - x1, y2 - y1]))

    def write_frame(self, frame_bgr: np.ndarray) -> None:
        """Append a rendered frame to the video (nothing without ``vis_out_dir``)."""
        if self.video_path is None:
            return
        if self._writer is None:
            # a killed run leaves its temporary video behind: swept before writing anew
            folder = osp.dirname(osp.abspath(self.video_path))
            remove_stale_temp_files(folder, osp.basename(self.video_path))
            self._video = AtomicFile(self.video_path)
            h, w = frame_bgr.shape[:2]
            self._writer = cv2.VideoWriter(self._video.tmp, cv2.VideoWriter_fourcc(*'mp4v'),
                                           self.fps, (w, h))
            if not self._writer.isOpened():
                raise OSError(f'OpenCV cannot write the video {self.video_path}')
            self._size = (w, h)
        if frame_bgr.shape[1::-1] != self._size:
            # OpenCV silently drops frames of another size than the first one
            frame_bgr = cv2.resize(frame_bgr, self._size)
        self._writer.write(frame_bgr)

    def commit(self) -> None:
        """Move the finished outputs into place."""
        if self._writer is not None:
            self._writer.release()
            self._writer = None
            self._video.commit()
            self._video = None
            print_log(f'the rendered video has been saved at {self.video_path}',
                      logger='current', level=logging.INFO)
        if self.json_path is not None:
            for image in self.images:
                image['nframes'] = len(self.images)
            write_json_atomic(self.json_path,
                              posetrack_document(self.images, self.annotations, self.categories))
            print_log(f'the predictions have been saved at {self.json_path}', logger='current',
                      level=logging.INFO)

    def close(self) -> None:
        """Drop whatever was not committed."""
        if self._writer is not None:
            self._writer.release()
            self._writer = None
        if self._video is not None:
            self._video.discard()
            self._video = None
