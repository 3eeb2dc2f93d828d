# Paper Fig. 4a "GT (7x)" on PoseTrack18: the same model trained on every annotated frame, 7x the
# manual labels of "GT (1x)" (td-hm_hrnet-w48_8xb16-10e_posetrack18-gt1x-384x288.py).
_base_ = ['./td-hm_hrnet-w48_8xb16-10e_posetrack18-384x288.py']

train_dataloader = dict(dataset=dict(type='PoseTrackSparseDataset', label_interval=1))
