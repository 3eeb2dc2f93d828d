# Generated sparsely-labelled videos (tools/make_synthetic_posetrack.py) in PoseTrack18 layout,
# read the way the PoseTrack18 configs read the real data.
data_root = 'data/synthetic/'
train_ann_file = 'annotations/posetrack18_train.json'
val_ann_file = 'annotations/posetrack18_val.json'
# the paper's sparse labels: one annotated frame in 7
label_interval = 7
