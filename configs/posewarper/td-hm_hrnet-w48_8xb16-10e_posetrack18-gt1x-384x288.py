# Paper Fig. 4a "GT (1x)" on PoseTrack18: the stage-1 HRNet-W48 recipe trained on the sparse labels
# only, every 7th annotated frame of each training video (the frames PoseWarper is trained on).
_base_ = ['./td-hm_hrnet-w48_8xb16-10e_posetrack18-384x288.py']

label_interval = 7
train_dataloader = dict(
    dataset=dict(type='PoseTrackSparseDataset', label_interval=label_interval, label_phase=0))
